"""Lotline's shared library: contracts, outbox/inbox machinery, settings, db and broker helpers.

Services import this package; it never imports a service.
"""
