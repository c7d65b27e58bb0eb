"""Capacity: production lines, their working calendars, and the schedule of open production.

``calendar_rules`` (pure: working days, national holidays), ``scheduling_rules`` (pure:
finite-capacity scheduling in day buckets), ``lines`` (lines, calendars and per-date
capacity overrides) and ``line_plan`` (the plan per line by day, as the dashboard draws it).
"""
