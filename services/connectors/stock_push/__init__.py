"""Stock push: what each shop may sell, pushed to it and read back.

``stock_rules`` (pure: sellable quantity, when a change is due, drift), ``stock_tracking``
(inventory's lots summed into the quantity each (shop, SKU) should show), ``shop_levels``
(pushing due levels to the shops and reconciling what they report), ``stock_push_worker``
(the background task) and ``stock_sync_api`` (``GET /api/stock-sync``).
"""
