"""Production orders: how they are planned, how their status moves, and who moves it.

``domain`` (pure: statuses, planning, combine and split), ``completion_rules`` (pure: a
completion record checked against the lots), ``number_rules`` (pure: ``MO-00042``),
``repository`` (rows in, domain objects out), ``views`` (what the API shows), and the use
cases: ``planning`` (make-to-order, intermediates, combine, split, re-plan),
``make_to_stock``, ``operator`` (start, complete, cancel) and ``inventory_answers``
(materials held or short, completions applied or rejected).
"""
