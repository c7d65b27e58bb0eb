"""Held orders: filling unmapped lines from SKU mappings and deciding when an order on hold
may go on. Pure: the caller loads the lines and stores what these functions return."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from services.orders import domain
from shared.contracts.connectors import InboundOrderLine
from shared.contracts.orders import OrderReceived, OrderStatus, OrderStatusChanged
from shared.units import Quantity

UNKNOWN_SKU = "unknown_sku"


class StillHeld(ValueError):
    """The order cannot be released yet; the message says which lines stop it."""


@dataclass(frozen=True)
class HeldLine:
    line_no: int
    external_line_id: str
    sku: str
    item_code: str | None
    quantity: Quantity

    def as_inbound(self) -> InboundOrderLine:
        return InboundOrderLine(
            external_line_id=self.external_line_id,
            sku=self.sku,
            item_code=self.item_code,
            quantity=self.quantity,
        )


def fill_unmapped(
    lines: Sequence[InboundOrderLine], mappings: Mapping[str, str]
) -> tuple[InboundOrderLine, ...]:
    """Give each line without an item the mapped item of its SKU (an empty SKU maps to none)."""
    return tuple(
        line.model_copy(update={"item_code": mappings[line.sku]})
        if line.item_code is None and line.sku and line.sku in mappings
        else line
        for line in lines
    )


def map_sku(lines: Sequence[HeldLine], *, sku: str, item_code: str) -> list[HeldLine]:
    """The lines of ``sku`` that had no item, now mapped (only those: the caller saves them)."""
    return [
        replace(line, item_code=item_code)
        for line in lines
        if line.sku == sku and line.item_code is None and sku
    ]


def assign_items(lines: Sequence[HeldLine], items: Mapping[int, str]) -> list[HeldLine]:
    """An operator names the item of some lines (the only way for a line with an empty SKU)."""
    by_no = {line.line_no: line for line in lines}
    unknown = sorted(set(items) - set(by_no))
    if unknown:
        raise ValueError(f"the order has no line {', '.join(map(str, unknown))}")
    empty = sorted(no for no, code in items.items() if not code.strip())
    if empty:
        raise ValueError(f"an empty item code for line {', '.join(map(str, empty))}")
    return [replace(by_no[no], item_code=code.strip()) for no, code in sorted(items.items())]


def is_sku_hold(hold_reason: str | None) -> bool:
    """Only holds for unmapped SKUs are released by a mapping; others wait for an operator."""
    return bool(hold_reason) and str(hold_reason).startswith(UNKNOWN_SKU)


def blocker(lines: Sequence[HeldLine]) -> str | None:
    """Why the order must stay on hold, by the same rules as at intake (None: it may go)."""
    return domain.hold_reason([line.as_inbound() for line in lines])


def release(
    order_id: UUID,
    current: OrderStatus,
    lines: Sequence[HeldLine],
    *,
    channel: str,
    external_id: str,
    reason: str,
) -> tuple[OrderStatusChanged, OrderReceived]:
    """``on_hold → received`` plus the OrderReceived inventory reserves for; refuses (StillHeld)
    while a line has no item or a bad quantity."""
    still = blocker(lines)
    if still is not None:
        raise StillHeld(f"order {order_id} stays on hold: {still}")
    released = domain.transition(order_id, current, OrderStatus.RECEIVED, reason=reason)
    received = OrderReceived(
        order_id=order_id,
        channel=channel,
        external_id=external_id,
        lines=domain.order_line_refs([line.as_inbound() for line in lines]),
    )
    return released, received
