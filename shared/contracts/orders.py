"""Events published by the orders service."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts import keys, topics
from shared.contracts.base import Event
from shared.contracts.registry import register
from shared.units import Quantity


class OrderStatus(StrEnum):
    """What a customer can be told (DESIGN.md, "Statuses a customer can be told")."""

    RECEIVED = "received"
    ON_HOLD = "on_hold"
    AWAITING_PRODUCTION = "awaiting_production"
    AWAITING_MATERIALS = "awaiting_materials"
    MATERIALS_RESERVED = "materials_reserved"
    IN_PRODUCTION = "in_production"
    READY_TO_SHIP = "ready_to_ship"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class OrderLineRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    item_code: str
    quantity: Quantity


@register
class OrderReceived(Event):
    """A new order with every line mapped to an item: stock may now be reserved for it."""

    TYPE = "orders.order_received"
    VERSION = 1
    TOPIC = topics.ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    channel: str
    external_id: str
    lines: tuple[OrderLineRef, ...]
    # Who ordered, for traceability (added later: older messages lack them).
    shop: str | None = None
    external_number: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    # The channel's shipping service (added later): the promise's carrier transit.
    shipping_service: str | None = None

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class OrderCancelled(Event):
    """The order was cancelled before shipping: its reservations and the production made
    only for it are to be released."""

    TYPE = "orders.order_cancelled"
    VERSION = 1
    TOPIC = topics.ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    reason: str | None = None

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class OrderStatusChanged(Event):
    """The order moved from one status to another, with the reason when there is one."""

    TYPE = "orders.order_status_changed"
    VERSION = 1
    TOPIC = topics.ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    previous: OrderStatus | None
    status: OrderStatus
    reason: str | None = None

    def aggregate_key(self) -> str:
        return str(self.order_id)


class ShippedLot(BaseModel):
    """A quantity of one lot that left in a shipment, for one order line."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    external_line_id: str | None = None
    item_code: str
    lot_code: str
    quantity: Quantity


@register
class ShipmentDispatched(Event):
    """Goods left for the customer: inventory deducts the lots, connectors tell the channel."""

    TYPE = "orders.shipment_dispatched"
    VERSION = 1
    TOPIC = topics.ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    shipment_id: UUID
    channel: str
    shop: str
    external_id: str
    carrier: str
    carrier_company: str | None = None  # who carries it (PostNL, BRT), for the customer
    service: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    parcels: int = 1
    lots: tuple[ShippedLot, ...]
    completes_order: bool

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class ShipmentDelivered(Event):
    """The carrier (or a person) confirmed delivery."""

    TYPE = "orders.shipment_delivered"
    VERSION = 1
    TOPIC = topics.ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    shipment_id: UUID

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class PromiseChanged(Event):
    """An order's promised delivery date moved after it was first set: ``slipped`` when it
    moved later (the customer is told), else it moved earlier."""

    TYPE = "orders.promise_changed"
    VERSION = 1
    TOPIC = topics.ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    previous_promised_on: date
    promised_on: date
    reason: str
    slipped: bool

    def aggregate_key(self) -> str:
        return str(self.order_id)


# --- Channel edits and returns (issue 4) -----------------------------------------------


class ReducedLine(BaseModel):
    """A line's new ``quantity`` (0: removed) and how much less that is than before."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    item_code: str
    quantity: Quantity
    reduced_by: Quantity


@register
class OrderLinesReduced(Event):
    """Lines of an unshipped order now ask for less (a channel edit). Inventory keeps at
    most the new quantity reserved; production takes the reduction off the batches serving
    the line, shrinking or cancelling those not started (docs/connectors.md)."""

    TYPE = "orders.order_lines_reduced"
    VERSION = 1
    TOPIC = topics.ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    lines: tuple[ReducedLine, ...]
    reason: str | None = None

    def aggregate_key(self) -> str:
        return str(self.order_id)


class ReturnedLot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    item_code: str
    lot_code: str
    quantity: Quantity


@register
class OrderItemsReturned(Event):
    """Shipped goods came back (a channel refund with restock), lot by lot, as shipped.
    ``destination``: ``origin_lot`` (back on hand in the same lot) or ``quarantine``.
    ``return_id`` is unique per refund: inventory books it once."""

    TYPE = "orders.order_items_returned"
    VERSION = 1
    TOPIC = topics.ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    return_id: str
    destination: str = "origin_lot"
    lots: tuple[ReturnedLot, ...]

    def aggregate_key(self) -> str:
        return str(self.order_id)
