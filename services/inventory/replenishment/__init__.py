"""Make-to-stock and buying: reorder points watched on every stock change, replenishment
suggestions (``replenishment_rules``, pure), purchase orders to suppliers."""
