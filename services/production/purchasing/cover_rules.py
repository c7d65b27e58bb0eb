"""Pure: when open purchase orders bring what a production order is short of.

An open purchase order's expected date replaces the supplier lead time for the quantity it
covers: the material is here once the open orders, earliest expected first, have brought
everything missing. When they never do, the rest has to be bought anew (lead time). Orders
competing for the same purchase order are not shared out: each shortage sees it whole.
A late purchase order (expected date passed, not received) is handled by
``promise.date_rules.arrival``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Expected:
    """What an open purchase order still brings, in the item's base unit, and when."""

    expected_on: date
    remaining: Decimal


def covering_date(missing: Decimal | None, expected: Sequence[Expected]) -> date | None:
    """The expected date of the purchase order that completes ``missing``; None when the open
    orders do not cover it. With ``missing`` unknown the earliest open order counts."""
    ordered = sorted((e for e in expected if e.remaining > 0), key=lambda e: e.expected_on)
    if not ordered:
        return None
    if missing is None:
        return ordered[0].expected_on
    brought = Decimal(0)
    for one in ordered:
        brought += one.remaining
        if brought >= missing:
            return one.expected_on
    return None
