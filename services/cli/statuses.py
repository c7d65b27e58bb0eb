"""The statuses the gateway reports (and the carriers it knows), as the CLI offers them for
``--status`` / ``--carrier`` and colours them."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    """A customer order, from intake to shipping (or cancellation)."""

    received = "received"
    on_hold = "on_hold"
    awaiting_production = "awaiting_production"
    awaiting_materials = "awaiting_materials"
    materials_reserved = "materials_reserved"
    in_production = "in_production"
    ready_to_ship = "ready_to_ship"
    partially_shipped = "partially_shipped"
    shipped = "shipped"
    delivered = "delivered"
    cancelled = "cancelled"


class ProductionStatus(StrEnum):
    """A production order (a batch), from planning to completion (or cancellation)."""

    planned = "planned"
    materials_reserved = "materials_reserved"
    blocked_on_materials = "blocked_on_materials"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


class ShipmentStatus(StrEnum):
    """A shipment: it left, then (by the carrier's word or a person's) arrived."""

    dispatched = "dispatched"
    delivered = "delivered"


class WriteBackStatus(StrEnum):
    """Telling a channel (Shopify) that an order shipped."""

    pending = "pending"
    done = "done"
    dead = "dead"


class Carrier(StrEnum):
    """The carriers the orders service knows (``KNOWN_CARRIERS``)."""

    manual = "manual"
    sendcloud = "sendcloud"


STYLE: dict[str, str] = {
    OrderStatus.received: "cyan",
    OrderStatus.on_hold: "red",
    OrderStatus.awaiting_production: "yellow",
    OrderStatus.awaiting_materials: "yellow",
    OrderStatus.materials_reserved: "blue",
    OrderStatus.in_production: "magenta",
    OrderStatus.ready_to_ship: "green",
    OrderStatus.partially_shipped: "green",
    OrderStatus.shipped: "green",
    OrderStatus.delivered: "green",
    OrderStatus.cancelled: "dim",
    ProductionStatus.planned: "cyan",
    ProductionStatus.blocked_on_materials: "yellow",
    ProductionStatus.in_progress: "magenta",
    ProductionStatus.completed: "green",
    ShipmentStatus.dispatched: "green",
    WriteBackStatus.pending: "yellow",
    WriteBackStatus.done: "green",
    WriteBackStatus.dead: "red",
}
