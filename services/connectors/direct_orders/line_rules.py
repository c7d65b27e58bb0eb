"""The rules every hand-made order line obeys (manual entry and CSV import alike): a known
item, a known unit convertible to the item's, a positive quantity, whole where counted.
Pure: the caller passes the items it knows."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from shared.units import KNOWN_UNITS, Quantity, can_convert, is_whole_where_counted


class InvalidLine(ValueError):
    """A line refused; the message names the item, the quantity or the unit at fault."""


def parse_quantity(text: str) -> Decimal:
    """A decimal written by a person: ``3``, ``2.5``; never a float, never ``1e3``."""
    cleaned = text.strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidLine(f"quantity {text!r} is not a number") from None
    if not value.is_finite() or "e" in cleaned.lower():
        raise InvalidLine(f"quantity {text!r} is not a plain decimal number")
    return value


def checked_quantity(
    item_code: str, value: Decimal, unit: str, *, base_units: Mapping[str, str]
) -> Quantity:
    """The line's quantity, or InvalidLine saying why it cannot be ordered."""
    if item_code not in base_units:
        raise InvalidLine(f"unknown item {item_code!r}")
    if unit not in KNOWN_UNITS:
        raise InvalidLine(f"unknown unit {unit!r}; known units: {', '.join(sorted(KNOWN_UNITS))}")
    base = base_units[item_code]
    if not can_convert(unit, base):
        raise InvalidLine(f"item {item_code} is counted in {base}, not in {unit}")
    if value <= 0:
        raise InvalidLine(f"quantity must be positive, got {value}")
    if not is_whole_where_counted(value, unit):
        raise InvalidLine(f"{value} {unit} is not a whole number of pieces")
    return Quantity(value=value, unit=unit)
