"""Customer orders changing under production: lines reduced or the whole order cancelled.

``reduction_rules`` (pure: which production gives up a reduced line's quantity),
``reductions`` (``OrderLinesReduced``) and ``cancellation`` (``OrderCancelled``).
"""
