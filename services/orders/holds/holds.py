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
RECALL = "recall:"


class StillHeld(ValueError):
    """The order cannot be released yet; the message says which lines stop it."""


@dataclass(frozen=True)
class HeldLine:
    line_no: int
    external_line_id: str
    sku: str
    item_code: str | None
    quantity: Quantity
    mapping_key: str | None = None  # a line without a SKU is mapped by this (variant:<id>…)

    @property
    def key(self) -> str:
        return self.sku or self.mapping_key or ""

    def as_inbound(self) -> InboundOrderLine:
        return InboundOrderLine(
            external_line_id=self.external_line_id,
            sku=self.sku,
            mapping_key=self.mapping_key,
            item_code=self.item_code,
            quantity=self.quantity,
        )


def fill_unmapped(
    lines: Sequence[InboundOrderLine], mappings: Mapping[str, str]
) -> tuple[InboundOrderLine, ...]:
    """Give each line without an item the mapped item of its key (its SKU, or for a line
    without one its variant or product id; a line with no key at all maps to nothing)."""
    return tuple(
        line.model_copy(update={"item_code": mappings[line.key]})
        if line.item_code is None and line.key and line.key in mappings
        else line
        for line in lines
    )


def map_sku(lines: Sequence[HeldLine], *, sku: str, item_code: str) -> list[HeldLine]:
    """The lines keyed ``sku`` (a SKU, or ``variant:<id>``… for a line without one) that had
    no item, now mapped (only those: the caller saves them)."""
    return [
        replace(line, item_code=item_code)
        for line in lines
        if line.key == sku and line.item_code is None and sku
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


def is_recall_hold(hold_reason: str | None) -> bool:
    """A recall hold is not released by hand: the order holds blocked stock, which inventory
    would refuse to ship; the operator cancels it (releasing the stock) instead."""
    return bool(hold_reason) and str(hold_reason).startswith(RECALL)


def blocker(lines: Sequence[HeldLine]) -> str | None:
    """Why the order must stay on hold, by the same rules as at intake (None: it may go)."""
    return domain.hold_reason([line.as_inbound() for line in lines])


@dataclass(frozen=True)
class OrderParty:
    """Whose order it is, for traceability (copied onto the OrderReceived of a release)."""

    shop: str | None = None
    external_number: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None

    def as_fields(self) -> dict[str, str | None]:
        return {
            "shop": self.shop,
            "external_number": self.external_number,
            "customer_name": self.customer_name,
            "customer_email": self.customer_email,
        }


def release(
    order_id: UUID,
    current: OrderStatus,
    lines: Sequence[HeldLine],
    *,
    channel: str,
    external_id: str,
    reason: str,
    who: OrderParty | None = None,
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
        **(who.as_fields() if who else {}),
    )
    return released, received
