"""Channel edits and returns in stock terms: which reserved quantities a reduced order line
gives back, and where returned goods go. Pure.

The lot expiring last is given back first, so what stays reserved is still the
first-expiring stock (FEFO holds after the edit as it held before).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class HeldLot:
    reservation_id: int
    lot_id: int
    lot_code: str
    item_code: str
    unit: str
    expires_on: date | None
    quantity: Decimal


def release_down_to(held: Sequence[HeldLot], keep: Decimal) -> list[tuple[HeldLot, Decimal]]:
    """(reservation, quantity to release) until at most ``keep`` stays reserved."""
    excess = sum((h.quantity for h in held), Decimal(0)) - max(keep, Decimal(0))
    releases: list[tuple[HeldLot, Decimal]] = []
    latest_first = sorted(held, key=lambda h: (h.expires_on or date.max, h.lot_id), reverse=True)
    for reservation in latest_first:
        if excess <= 0:
            break
        take = min(excess, reservation.quantity)
        releases.append((reservation, take))
        excess -= take
    return releases


def quarantine_lot_code(lot_code: str) -> str:
    """Returned goods kept apart from the lot they shipped from, still traceable to it."""
    return f"{lot_code}-Q"
