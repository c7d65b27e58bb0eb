"""Pure rules of a purchase order: what a receipt does to it, what may still be done."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.inventory.errors import Conflict, InventoryError
from shared.contracts.inventory import PurchaseOrderStatus

P = PurchaseOrderStatus


def after_receipt(
    status: P, ordered: Decimal, received: Decimal, quantity: Decimal
) -> tuple[Decimal, P]:
    """Received so far and the status after a receipt of ``quantity`` (base unit).

    A receipt may be partial; once everything ordered is in, the order is received. More
    than ordered is accepted (suppliers over-deliver) and closes it. Receiving against a
    closed order is refused: the goods belong to another order or to none.
    """
    if status is not P.OPEN:
        raise Conflict(f"purchase order is {status.value}; receive without it or against another")
    if quantity <= 0:
        raise InventoryError(f"quantity must be positive, got {quantity}")
    total = received + quantity
    return total, P.RECEIVED if total >= ordered else P.OPEN


def remaining(ordered: Decimal, received: Decimal) -> Decimal:
    """Still to come; never negative."""
    return max(ordered - received, Decimal(0))


def can_cancel(status: P) -> None:
    """Only an open order can be cancelled (whatever was received stays received)."""
    if status is not P.OPEN:
        raise Conflict(f"purchase order is {status.value}, not open")


def weekdays_after(day: date, days: int) -> date:
    """A supplier's lead time counted in weekdays (its holidays are its own to tell us):
    the default expected arrival of a purchase order placed on ``day``."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day
