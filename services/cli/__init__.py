"""Lotline's command line: talks to the gateway over HTTP only, never to a service directly."""
