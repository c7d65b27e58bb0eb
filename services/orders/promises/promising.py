"""Pure: what an order does with a date production promises it.

The first date is simply recorded. A different date afterwards is a change, published once
(``PromiseChanged``); a later one is a slip and the customer is told (``promise_slipped``
e-mail, one per slipped date). An order already shipped, delivered or cancelled keeps the
date it had: its promise is history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from shared.contracts.orders import OrderStatus, PromiseChanged

SETTLED = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED})


@dataclass(frozen=True)
class PromiseUpdate:
    """What to write: the new date, the change event (None for a first date or no change),
    and whether the customer must be told of a slip."""

    promised_on: date
    reason: str
    change: PromiseChanged | None
    tell_customer: bool


def on_promise(
    order_id: UUID,
    status: OrderStatus,
    current: date | None,
    promised_on: date,
    reason: str,
) -> PromiseUpdate | None:
    """None when nothing is to be done (settled order, same date again)."""
    if status in SETTLED or current == promised_on:
        return None
    if current is None:
        return PromiseUpdate(promised_on, reason, change=None, tell_customer=False)
    slipped = promised_on > current
    change = PromiseChanged(
        order_id=order_id,
        previous_promised_on=current,
        promised_on=promised_on,
        reason=reason,
        slipped=slipped,
    )
    return PromiseUpdate(promised_on, reason, change=change, tell_customer=slipped)
