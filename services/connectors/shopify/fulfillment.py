"""From a Lotline shipment to a Shopify ``fulfillmentCreate``. Pure.

Shopify fulfils *fulfillment order line items*, not order lines: each order line item sits
on one or more fulfillment orders (one per location or hold), each with a remaining
quantity. A shipped lot names Shopify's order line item id (``external_line_id``), so the
shipment is summed per line item and spread over the open fulfillment order lines of that
line item; a partial shipment fulfils only its own lines and quantities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared.contracts.orders import ShippedLot

FULFILLABLE = frozenset({"OPEN", "IN_PROGRESS"})


class UnmappableShipment(ValueError):
    """The shipment cannot be expressed as Shopify line items and whole quantities."""


class UnreadableAnswer(ValueError):
    """Shopify's answer does not have the shape the query asked for."""


@dataclass(frozen=True)
class Tracking:
    number: str | None = None
    url: str | None = None
    company: str | None = None


@dataclass(frozen=True)
class FulfillmentOrderLine:
    id: str
    line_item_id: str
    remaining: int


@dataclass(frozen=True)
class FulfillmentOrder:
    id: str
    status: str
    lines: tuple[FulfillmentOrderLine, ...]


@dataclass(frozen=True)
class ExistingFulfillment:
    id: str
    status: str
    tracking_numbers: tuple[str, ...]


@dataclass(frozen=True)
class OrderFulfilment:
    """What the order query told us: its fulfillment orders and its fulfillments so far."""

    fulfillment_orders: tuple[FulfillmentOrder, ...]
    fulfillments: tuple[ExistingFulfillment, ...]


@dataclass(frozen=True)
class Group:
    fulfillment_order_id: str
    items: tuple[tuple[str, int], ...]  # (fulfillment order line item id, quantity)


@dataclass(frozen=True)
class Create:
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class AlreadyFulfilled:
    fulfillment_id: str | None


@dataclass(frozen=True)
class CannotFulfil:
    reason: str


Plan = Create | AlreadyFulfilled | CannotFulfil


def legacy_id(value: str) -> str:
    """``gid://shopify/LineItem/123`` → ``123``; a bare id stays as it is."""
    return value.rsplit("/", 1)[-1]


def shipped_quantities(lots: Iterable[ShippedLot]) -> dict[str, int]:
    """Whole pieces shipped per Shopify line item id, summed over lots."""
    totals: dict[str, Decimal] = {}
    for lot in lots:
        if not lot.external_line_id:
            raise UnmappableShipment(f"line {lot.line_no} has no Shopify line item id")
        if lot.quantity.unit != "pc" or lot.quantity.value != lot.quantity.value.to_integral():
            raise UnmappableShipment(
                f"line {lot.line_no}: Shopify counts whole pieces, got {lot.quantity.value} "
                f"{lot.quantity.unit}"
            )
        key = legacy_id(lot.external_line_id)
        totals[key] = totals.get(key, Decimal(0)) + lot.quantity.value
    if not totals:
        raise UnmappableShipment("the shipment has no lots")
    return {key: int(value) for key, value in totals.items() if value > 0}


def _nodes(connection: Any, where: str) -> list[Any]:
    if not isinstance(connection, Mapping) or not isinstance(connection.get("nodes"), list):
        raise UnreadableAnswer(f"{where}.nodes is missing")
    return list(connection["nodes"])


def _fulfillment_order(node: Any) -> FulfillmentOrder:
    try:
        lines = tuple(
            FulfillmentOrderLine(
                id=str(line["id"]),
                line_item_id=legacy_id(str(line["lineItem"]["id"])),
                remaining=int(line["remainingQuantity"]),
            )
            for line in _nodes(node["lineItems"], "fulfillmentOrder.lineItems")
        )
        return FulfillmentOrder(id=str(node["id"]), status=str(node["status"]), lines=lines)
    except (KeyError, TypeError, ValueError) as error:
        raise UnreadableAnswer(f"unreadable fulfillment order: {error!r}") from error


def _fulfillment(node: Any) -> ExistingFulfillment:
    try:
        numbers = tuple(str(t["number"]) for t in node.get("trackingInfo") or () if t["number"])
        return ExistingFulfillment(
            id=str(node["id"]), status=str(node["status"]), tracking_numbers=numbers
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise UnreadableAnswer(f"unreadable fulfillment: {error!r}") from error


def read_order(order: Any) -> OrderFulfilment:
    """The ``data.order`` of the fulfillment order query."""
    if not isinstance(order, Mapping):
        raise UnreadableAnswer("data.order is not an object")
    fulfillments = order.get("fulfillments") or []
    if not isinstance(fulfillments, list):
        raise UnreadableAnswer("order.fulfillments is not a list")
    return OrderFulfilment(
        fulfillment_orders=tuple(
            _fulfillment_order(n)
            for n in _nodes(order.get("fulfillmentOrders"), "order.fulfillmentOrders")
        ),
        fulfillments=tuple(_fulfillment(n) for n in fulfillments),
    )


def existing_fulfillment(
    fulfillments: Sequence[ExistingFulfillment], tracking_number: str | None, *, claimed: set[str]
) -> str | None:
    """A successful fulfillment carrying our tracking number that no other write-back owns:
    our own earlier attempt whose answer was lost."""
    if not tracking_number:
        return None
    for fulfillment in fulfillments:
        if (
            fulfillment.status == "SUCCESS"
            and tracking_number in fulfillment.tracking_numbers
            and fulfillment.id not in claimed
        ):
            return fulfillment.id
    return None


def _spread(
    line_item_id: str, quantity: int, orders: Sequence[FulfillmentOrder]
) -> list[tuple[str, str, int]] | str:
    """(fulfillment order id, fulfillment order line id, quantity) for one line item,
    or the reason it cannot be fulfilled."""
    open_lines = [
        (order.id, line)
        for order in orders
        if order.status in FULFILLABLE
        for line in order.lines
        if line.line_item_id == line_item_id and line.remaining > 0
    ]
    available = sum(line.remaining for _, line in open_lines)
    if available < quantity:
        held = sorted(
            {
                o.status
                for o in orders
                if o.status not in FULFILLABLE
                for ln in o.lines
                if ln.line_item_id == line_item_id and ln.remaining > 0
            }
        )
        where = f" ({', '.join(held)} fulfillment orders hold the rest)" if held else ""
        return (
            f"line item {line_item_id}: {quantity} shipped, only {available} can be fulfilled "
            f"on Shopify{where}"
        )
    taken: list[tuple[str, str, int]] = []
    rest = quantity
    for order_id, line in open_lines:
        take = min(rest, line.remaining)
        taken.append((order_id, line.id, take))
        rest -= take
        if rest == 0:
            break
    return taken


def plan(wanted: Mapping[str, int], order: OrderFulfilment) -> Plan:
    """Which fulfillment order lines to fulfil. Lines with nothing left on Shopify are
    taken as already fulfilled (a replay after a lost answer, or fulfilled by hand)."""
    known = {line.line_item_id: 0 for fo in order.fulfillment_orders for line in fo.lines}
    for fo in order.fulfillment_orders:
        for line in fo.lines:
            known[line.line_item_id] += line.remaining
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        return CannotFulfil(f"line items {', '.join(unknown)} are not on the Shopify order")
    groups: dict[str, list[tuple[str, int]]] = {}
    for line_item_id, quantity in sorted(wanted.items()):
        if known[line_item_id] == 0:
            continue
        spread = _spread(line_item_id, quantity, order.fulfillment_orders)
        if isinstance(spread, str):
            return CannotFulfil(spread)
        for order_id, line_id, take in spread:
            groups.setdefault(order_id, []).append((line_id, take))
    if not groups:
        return AlreadyFulfilled(fulfillment_id=None)
    return Create(tuple(Group(fo_id, tuple(items)) for fo_id, items in groups.items()))


def mutation_variables(
    groups: Sequence[Group], tracking: Tracking, *, notify_customer: bool
) -> dict[str, Any]:
    """The ``$fulfillment: FulfillmentInput!`` of ``fulfillmentCreate``."""
    fulfillment: dict[str, Any] = {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": group.fulfillment_order_id,
                "fulfillmentOrderLineItems": [{"id": i, "quantity": q} for i, q in group.items],
            }
            for group in groups
        ],
        "notifyCustomer": notify_customer,
    }
    info = {
        key: value
        for key, value in (
            ("number", tracking.number),
            ("url", tracking.url),
            ("company", tracking.company),
        )
        if value
    }
    if info:
        fulfillment["trackingInfo"] = info
    return {"fulfillment": fulfillment}
