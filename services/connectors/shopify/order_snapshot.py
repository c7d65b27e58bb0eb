"""What a Shopify order looks like at one moment, read from a REST order object (the body of
``orders/create``, ``orders/updated``, ``orders/cancelled`` and each element of the REST
``orders.json`` listing), and the refunds it carries. Pure.

Ids are 64-bit: Python's ``json`` keeps them as exact ints and they are carried as strings.
A line's live quantity is ``current_quantity`` (the ordered quantity less what order edits
and cancel-type refunds removed); older payloads without it fall back to ``quantity``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.connectors.shopify.orders import InvalidShopifyOrder
from shared.contracts.connectors import MAX_LINES_PER_ORDER

RESTOCK_TO_STOCK = frozenset({"return", "legacy_restock"})  # goods came back to the shop


@dataclass(frozen=True)
class OrderSnapshot:
    external_id: str
    updated_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    lines: dict[str, int]  # external line id → current quantity


@dataclass(frozen=True)
class RefundedLine:
    external_line_id: str
    quantity: int
    restocked: bool  # a ``return``: the goods are back and go to stock


@dataclass(frozen=True)
class Refund:
    refund_id: str
    external_id: str
    lines: tuple[RefundedLine, ...]

    @property
    def restocks(self) -> bool:
        return any(line.restocked for line in self.lines)


def _id(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidShopifyOrder(f"{where}.{key} must be an integer id, got {value!r}")
    return str(value)


def _when(data: Mapping[str, Any], key: str, where: str) -> datetime | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidShopifyOrder(f"{where}.{key} is not an ISO timestamp: {value!r}") from error
    if moment.tzinfo is None:
        raise InvalidShopifyOrder(f"{where}.{key} has no UTC offset: {value!r}")
    return moment


def _count(data: Mapping[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidShopifyOrder(f"{where}.{key} must be a whole number, got {value!r}")
    return value


def read_order(order: Any) -> OrderSnapshot:
    """The snapshot of a REST order object; names the field at fault when it cannot."""
    if not isinstance(order, dict):
        raise InvalidShopifyOrder("the order is not a JSON object")
    external_id = _id(order, "id", "order")
    updated_at = _when(order, "updated_at", "order") or _when(order, "created_at", "order")
    if updated_at is None:
        raise InvalidShopifyOrder("order.updated_at is missing")
    raw_lines = order.get("line_items")
    if not isinstance(raw_lines, list):
        raise InvalidShopifyOrder("order.line_items is missing")
    if len(raw_lines) > MAX_LINES_PER_ORDER:
        raise InvalidShopifyOrder(
            f"order.line_items has {len(raw_lines)} lines, more than {MAX_LINES_PER_ORDER}"
        )
    lines: dict[str, int] = {}
    for index, raw in enumerate(raw_lines):
        where = f"line_items[{index}]"
        if not isinstance(raw, dict):
            raise InvalidShopifyOrder(f"{where} is not an object")
        key = "current_quantity" if "current_quantity" in raw else "quantity"
        lines[_id(raw, "id", where)] = _count(raw, key, where)
    return OrderSnapshot(
        external_id=external_id,
        updated_at=updated_at,
        cancelled_at=_when(order, "cancelled_at", "order"),
        cancel_reason=order.get("cancel_reason") or None,
        lines=lines,
    )


def read_refund(refund: Any, *, external_id: str | None = None) -> Refund:
    """A ``refunds/create`` body, or one element of an order's ``refunds`` array."""
    if not isinstance(refund, dict):
        raise InvalidShopifyOrder("the refund is not a JSON object")
    order_id = external_id or _id(refund, "order_id", "refund")
    raw_lines = refund.get("refund_line_items") or []
    if not isinstance(raw_lines, list):
        raise InvalidShopifyOrder("refund.refund_line_items is not a list")
    lines = []
    for index, raw in enumerate(raw_lines):
        where = f"refund_line_items[{index}]"
        if not isinstance(raw, dict):
            raise InvalidShopifyOrder(f"{where} is not an object")
        lines.append(
            RefundedLine(
                external_line_id=_id(raw, "line_item_id", where),
                quantity=_count(raw, "quantity", where),
                restocked=raw.get("restock_type") in RESTOCK_TO_STOCK,
            )
        )
    return Refund(refund_id=_id(refund, "id", "refund"), external_id=order_id, lines=tuple(lines))


def refunds_of(order: Any) -> tuple[Refund, ...]:
    """The refunds a REST order carries (reconciliation finds missed ``refunds/create``)."""
    if not isinstance(order, dict):
        return ()
    external_id = _id(order, "id", "order")
    return tuple(read_refund(r, external_id=external_id) for r in order.get("refunds") or [])
