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
from shared.contracts.production import MissingMaterial, ProductionStatus
from shared.units import is_whole_where_counted

S = OrderStatus

IN_PRODUCTION_PHASE = frozenset(
    {S.AWAITING_PRODUCTION, S.AWAITING_MATERIALS, S.MATERIALS_RESERVED, S.IN_PRODUCTION}
)

ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.RECEIVED: frozenset({S.READY_TO_SHIP, S.AWAITING_PRODUCTION, S.ON_HOLD, S.CANCELLED}),
    # Back to where it was when a recall held it (the recall withdrawn), or received when
    # an operator releases it.
    S.ON_HOLD: frozenset({S.RECEIVED, S.CANCELLED, S.READY_TO_SHIP}) | IN_PRODUCTION_PHASE,
    **{
        phase: (IN_PRODUCTION_PHASE - {phase}) | {S.READY_TO_SHIP, S.ON_HOLD, S.CANCELLED}
        for phase in IN_PRODUCTION_PHASE
    },
    S.READY_TO_SHIP: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.ON_HOLD, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

TEST_ORDER_HOLD = "test_order: a channel test order creates no demand"

CANCELLABLE = frozenset(status for status, moves in ALLOWED.items() if S.CANCELLED in moves)


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
        if self.status is S.CANCELLED:  # nothing is announced that could reserve stock
            reason = "cancelled on the channel before Lotline received the order"
            return [born, transition(self.order_id, S.RECEIVED, S.CANCELLED, reason=reason)]
        received = OrderReceived(
            order_id=self.order_id,
            channel=inbound.channel,
            external_id=inbound.external_id,
            lines=order_line_refs(self.lines),
            shop=inbound.shop,
            external_number=inbound.external_number,
            customer_name=inbound.customer.name,
            customer_email=inbound.customer.email,
            shipping_service=inbound.shipping_service,
        )
        return [born, received]


def order_line_refs(lines: Sequence[InboundOrderLine]) -> tuple[OrderLineRef, ...]:
    return tuple(
        OrderLineRef(line_no=no, item_code=line.item_code, quantity=line.quantity)
        for no, line in enumerate(lines, start=1)
        if line.item_code is not None
    )


def _unmapped(line: InboundOrderLine) -> str:
    """How a hold names an unmapped line: by the key an operator maps it with."""
    if line.sku:
        return line.sku
    return f"(empty) {line.mapping_key}" if line.mapping_key else "(empty)"


def hold_reason(lines: Sequence[InboundOrderLine]) -> str | None:
    """Why an order cannot proceed as it came in: unmapped SKUs or bad quantities."""
    if not lines:
        return "no_lines: the order has no lines"
    unknown = [_unmapped(line) for line in lines if line.item_code is None]
    if unknown:
        return "unknown_sku: " + ", ".join(unknown)
    bad = [
        line.key
        for line in lines
        if not line.quantity.is_positive
        or not is_whole_where_counted(line.quantity.value, line.quantity.unit)
    ]
    if bad:
        return "invalid_quantity: " + ", ".join(bad)
    return None


def accept(order_id: UUID, inbound: InboundOrderReceived) -> NewOrder:
    """A channel order becomes a Lotline order: received, or on hold with the reason; one
    the channel had already cancelled is born cancelled (it never reserves anything), and a
    test order is held as one unless its shop made test orders live."""
    if inbound.cancelled_at is not None:
        return NewOrder(order_id, S.CANCELLED, None, inbound.lines)
    if not inbound.creates_demand:  # kept and shown, but nothing is reserved or made for it
        return NewOrder(order_id, S.ON_HOLD, TEST_ORDER_HOLD, inbound.lines)
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


def status_from_production(
    production: Sequence[ProductionStatus], *, materials_missing: bool | None = None
) -> OrderStatus:
    """What an order waiting for production can be told, from its production orders:
    any batch blocked → awaiting materials, unless production says nothing is missing at
    any level any more (``materials_missing`` False: the blocked batch waits only for
    intermediates being made); any started (or all done, output not yet allocated) → in
    production; every open batch holding its materials → materials reserved; otherwise
    awaiting production."""
    P = ProductionStatus
    open_batches = [s for s in production if s not in (P.CANCELLED, P.COMPLETED)]
    if P.BLOCKED_ON_MATERIALS in open_batches and materials_missing is not False:
        return S.AWAITING_MATERIALS
    if P.IN_PROGRESS in open_batches or (not open_batches and P.COMPLETED in production):
        return S.IN_PRODUCTION  # completed, its output on the way to the order
    if open_batches and all(s is P.MATERIALS_RESERVED for s in open_batches):
        return S.MATERIALS_RESERVED
    return S.AWAITING_PRODUCTION


def follow_production(
    order_id: UUID,
    current: OrderStatus,
    production: Sequence[ProductionStatus],
    *,
    missing: Sequence[MissingMaterial] | None = None,
) -> OrderStatusChanged | None:
    """The status change (if any) a production update means for an order waiting on it;
    ``missing`` is what its production lacks at every level (None: not reported yet)."""
    if current not in IN_PRODUCTION_PHASE:
        return None
    target = status_from_production(
        production, materials_missing=None if missing is None else bool(missing)
    )
    if target is current:
        return None
    return transition(order_id, current, target, reason=production_reason(target, missing))


def production_reason(target: OrderStatus, missing: Sequence[MissingMaterial] | None) -> str | None:
    """In words, why an order waits: the materials missing at any depth, or that nothing
    is missing and production is what it waits for."""
    if target is S.AWAITING_MATERIALS and missing:
        return "waiting for materials: " + describe_missing(missing)
    if target is S.AWAITING_PRODUCTION and missing is not None and not missing:
        return "every material is in; waiting for production"
    return None


def describe_missing(missing: Sequence[MissingMaterial]) -> str:
    """``FLOUR 0.6 kg (expected 2026-12-10)``, one per material."""
    parts = []
    for m in missing:
        amount = "" if m.missing is None else f" {m.missing.value.normalize():f} {m.missing.unit}"
        when = m.expected_on or m.arrives_on
        parts.append(f"{m.item_code}{amount} ({f'expected {when}' if when else 'no date yet'})")
    return ", ".join(parts)


def after_recall_lifted(
    order_id: UUID,
    before_hold: OrderStatus | None,
    production: Sequence[ProductionStatus],
    *,
    missing: Sequence[MissingMaterial] | None,
    reason: str,
) -> OrderStatusChanged | None:
    """A withdrawn recall releases the order it held: back to the status it had (one waiting
    for production is told what its production does now); None when it cannot go back."""
    if before_hold is None or before_hold in (S.ON_HOLD, S.CANCELLED):
        return None
    target = (
        status_from_production(
            production, materials_missing=None if missing is None else bool(missing)
        )
        if before_hold in IN_PRODUCTION_PHASE
        else before_hold
    )
    if not can_move(S.ON_HOLD, target):
        return None
    return transition(order_id, S.ON_HOLD, target, reason=reason)


def after_allocation(current: OrderStatus, *, fully_reserved: bool) -> OrderStatus | None:
    """Produced goods arrived for the order: ready to ship once nothing is missing."""
    if fully_reserved and current in IN_PRODUCTION_PHASE | {S.RECEIVED}:
        return S.READY_TO_SHIP
    return None


def cancel(order_id: UUID, current: OrderStatus, *, reason: str | None) -> OrderStatusChanged:
    """Cancelling is allowed at any point before shipping; never twice."""
    if current not in CANCELLABLE:
        raise IllegalTransition(f"order {order_id} is {current} and cannot be cancelled")
    return transition(order_id, current, S.CANCELLED, reason=reason)
