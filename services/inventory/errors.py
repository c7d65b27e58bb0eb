"""Refusals of the inventory API, each mapped to one HTTP answer in main.py."""


class InventoryError(ValueError):
    """A request inventory refuses, with a reason a person can act on (422)."""


class NotFound(InventoryError):
    """404."""


class Conflict(InventoryError):
    """409."""
