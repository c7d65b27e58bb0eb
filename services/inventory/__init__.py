"""Inventory: items, units, lots, the stock-movement ledger and reservations.

- ``stock/``: lots entering and leaving the books (one way in, receipts, costs, recalls).
- ``reservations/``: customer orders in stock (FEFO reservation, shelf life, edits, dispatch).
- ``production/``: materials held for production orders, and their completion.
- ``replenishment/``: reorder points, replenishment suggestions, purchase orders.

At the top: the HTTP API (``api``, ``schemas``, ``errors``), the subscribers
(``handlers``), the item and lot use cases (``service``), event staging (``publishing``),
the tables and the composition root (``main``).
"""
