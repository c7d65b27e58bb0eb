"""Traceability: the lot genealogy read model, traces and recalls."""
