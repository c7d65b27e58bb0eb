"""Lots entering and leaving the books: one way in (``stock_entry_rules``), goods receipts, what
each lot cost (``costing_rules``, re-costing), the lot and item repositories, recalls blocking
lots."""
