"""Inventory: items, units, lots, the stock-movement ledger and reservations."""
