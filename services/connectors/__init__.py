"""Connectors: channel adapters in and out, SKU mapping, webhook dedupe."""
