"""The customer order: how it is born from a channel order and how its status moves.

Pure: no I/O. Status changes return the event that announces them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from shared.contracts.connectors import InboundOrderLine, InboundOrderReceived
from shared.contracts.inventory import StockReserved, StockShort
from shared.contracts.orders import OrderLineRef, OrderReceived, OrderStatus, OrderStatusChanged
from shared.units import is_whole_where_counted

S = OrderStatus

ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.RECEIVED: frozenset({S.READY_TO_SHIP, S.AWAITING_PRODUCTION, S.ON_HOLD, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.RECEIVED, S.CANCELLED}),
    S.AWAITING_PRODUCTION: frozenset({S.READY_TO_SHIP, S.ON_HOLD, S.CANCELLED}),
    S.READY_TO_SHIP: frozenset({S.ON_HOLD, S.CANCELLED}),
    S.CANCELLED: frozenset(),
}


class IllegalTransition(ValueError):
    """A status change the order's life does not allow (e.g. cancelled → ready to ship)."""


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    return target in ALLOWED[current]


def transition(
    order_id: UUID, current: OrderStatus, target: OrderStatus, *, reason: str | None = None
) -> OrderStatusChanged:
    """The event for a legal move; an illegal one raises."""
    if not can_move(current, target):
        raise IllegalTransition(f"order {order_id}: {current} → {target} is not allowed")
    return OrderStatusChanged(order_id=order_id, previous=current, status=target, reason=reason)


@dataclass(frozen=True)
class NewOrder:
    """What the orders service stores for a channel order, and what it announces."""

    order_id: UUID
    status: OrderStatus
    hold_reason: str | None
    lines: tuple[InboundOrderLine, ...]

    def events(self, inbound: InboundOrderReceived) -> list[OrderReceived | OrderStatusChanged]:
        born = OrderStatusChanged(
            order_id=self.order_id, previous=None, status=S.RECEIVED, reason=None
        )
        if self.status is S.ON_HOLD:
            held = transition(self.order_id, S.RECEIVED, S.ON_HOLD, reason=self.hold_reason)
            return [born, held]
        received = OrderReceived(
            order_id=self.order_id,
            channel=inbound.channel,
            external_id=inbound.external_id,
            lines=order_line_refs(self.lines),
        )
        return [born, received]


def order_line_refs(lines: Sequence[InboundOrderLine]) -> tuple[OrderLineRef, ...]:
    return tuple(
        OrderLineRef(line_no=no, item_code=line.item_code, quantity=line.quantity)
        for no, line in enumerate(lines, start=1)
        if line.item_code is not None
    )


def hold_reason(lines: Sequence[InboundOrderLine]) -> str | None:
    """Why an order cannot proceed as it came in: unmapped SKUs or bad quantities."""
    if not lines:
        return "no_lines: the order has no lines"
    unknown = [line.sku or "(empty)" for line in lines if line.item_code is None]
    if unknown:
        return "unknown_sku: " + ", ".join(unknown)
    bad = [
        line.sku
        for line in lines
        if not line.quantity.is_positive
        or not is_whole_where_counted(line.quantity.value, line.quantity.unit)
    ]
    if bad:
        return "invalid_quantity: " + ", ".join(bad)
    return None


def accept(order_id: UUID, inbound: InboundOrderReceived) -> NewOrder:
    """A channel order becomes a Lotline order: received, or on hold with the reason."""
    reason = hold_reason(inbound.lines)
    return NewOrder(
        order_id=order_id,
        status=S.ON_HOLD if reason else S.RECEIVED,
        hold_reason=reason,
        lines=inbound.lines,
    )


def after_stock(current: OrderStatus, event: StockReserved | StockShort) -> OrderStatus:
    """Fully reserved → ready to ship; anything short waits for production."""
    del current
    return S.READY_TO_SHIP if isinstance(event, StockReserved) else S.AWAITING_PRODUCTION
