"""Orders that come from people, not marketplaces: typed in (manual) or a wholesale CSV.

``line_rules`` (pure: what every hand-made order line obeys), ``items`` (inventory's items as
connectors know them), ``manual_orders`` and ``manual_orders_api`` (``POST
/api/manual-orders``), ``wholesale_csv`` (pure: the CSV parsed row by row),
``wholesale_import`` and ``imports_api`` (``POST /api/imports/orders``).
"""
