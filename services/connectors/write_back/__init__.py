"""Write-back: telling a sales channel that its order shipped, never lost.

``shipped_orders`` (a write-back row staged per shipment, performed with bounded retries,
replayed by an operator), ``repository`` (queries on ``connectors_write_back``) and
``write_back_worker`` (the background task that performs due write-backs).
"""
