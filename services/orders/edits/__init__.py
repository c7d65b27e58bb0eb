"""A channel's cancellations, edits and refunds applied to Lotline orders, once each: what each
means for the order (``channel_rules``, pure), its queries and its use cases."""
