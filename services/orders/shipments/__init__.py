"""Shipping a ready order: which lots a parcel takes (``shipping``, pure), booking it with a
carrier (``carriers/``), the packing slip, and the HTTP API."""
