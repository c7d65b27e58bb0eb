"""Purchasing as production sees it: what inventory's open purchase orders bring, and when.

``cover_rules`` (pure: the date open purchase orders cover a missing quantity) and
``open_orders`` (the read model of inventory's purchase orders, ``PurchaseOrderChanged``).
"""
