"""Inventory's side of production: materials held all or nothing for a production order, and its
completion — consumptions, the output lot, its allocation to waiting orders (``completion``,
pure)."""
