"""Events published by the inventory service."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts import keys, topics
from shared.contracts.base import Event
from shared.contracts.registry import register
from shared.units import Money, Quantity


class ReservedLot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    item_code: str
    lot_code: str
    quantity: Quantity
    expires_on: date | None = None


class Shortage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    item_code: str
    requested: Quantity
    reserved: Quantity
    missing: Quantity
    # Why stock that is on hand did not cover the line (added later; None: there was none,
    # or older messages), e.g. "12 kg of HONEY too close to expiry for this customer
    # (needs ≥ 30 days)" under a minimum shelf-life rule.
    reason: str | None = None


@register
class StockReserved(Event):
    """Every line of the order is covered by reserved finished lots."""

    TYPE = "inventory.stock_reserved"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.ORDER

    order_id: UUID
    reservations: tuple[ReservedLot, ...]

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class StockShort(Event):
    """Stock covered part of the order (``reservations``); ``shortages`` say what is missing."""

    TYPE = "inventory.stock_short"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.ORDER

    order_id: UUID
    reservations: tuple[ReservedLot, ...]
    shortages: tuple[Shortage, ...]

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class LotReceived(Event):
    """A lot entered stock: a goods receipt from a supplier, a manual intake, or the
    output of a production order (``production_order_id``)."""

    TYPE = "inventory.lot_received"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.LOT

    lot_code: str
    item_code: str
    quantity: Quantity
    expires_on: date | None = None
    supplier: str | None = None
    supplier_lot_code: str | None = None
    cost: Money | None = None
    production_order_id: UUID | None = None
    received_on: date | None = None
    # Added for cost of goods (issue 17): what one base unit of the lot cost, 6 decimal places
    # (services.inventory.stock.costing_rules); None: unknown, or an older message.
    unit_cost: Money | None = None

    def aggregate_key(self) -> str:
        return self.lot_code


@register
class LotCostChanged(Event):
    """A lot's unit cost changed after it entered stock: its receipt's cost was corrected (a
    late supplier invoice), or a lot it was made from was re-costed. ``reason`` says which."""

    TYPE = "inventory.lot_cost_changed"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.LOT

    lot_code: str
    item_code: str
    unit_cost: Money | None
    previous_unit_cost: Money | None = None
    reason: str

    def aggregate_key(self) -> str:
        return self.lot_code


@register
class ItemDefined(Event):
    """An item's master data, so other services can validate recipes and quote lead times."""

    TYPE = "inventory.item_defined"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.ITEM

    code: str
    name: str
    kind: str
    base_unit: str
    shelf_life_days: int | None = None
    supplier: str | None = None
    lead_time_days: int | None = None

    def aggregate_key(self) -> str:
        return self.code


class LotStatus(StrEnum):
    """Whether a lot's free stock may be counted anywhere (invariant 8): only an
    ``available`` lot's may; a blocked or quarantined lot is on hand but promised to nobody."""

    AVAILABLE = "available"
    BLOCKED = "blocked"  # by a recall
    QUARANTINED = "quarantined"  # returned goods held apart (``<lot>-Q``)

    @property
    def counts(self) -> bool:
        """True when the lot's on hand − reserved is stock to sell, quote or make from."""
        return self is LotStatus.AVAILABLE


@register
class LotChanged(Event):
    """A lot's current quantities and status; ``revision`` grows with every change, so a
    reader keeps the highest one it has seen and ignores stale snapshots.

    v2 added ``status``: a reader that counts on hand − reserved as available must leave a
    lot out unless its status counts (a recall or a quarantine is a lot change too)."""

    TYPE = "inventory.lot_changed"
    VERSION = 2
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.LOT

    lot_code: str
    item_code: str
    on_hand: Quantity
    reserved: Quantity
    expires_on: date | None = None
    revision: int
    status: LotStatus

    def aggregate_key(self) -> str:
        return self.lot_code

    @staticmethod
    def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
        """v1 named no status: every lot it announced was counted, so it reads as available
        (a v1 snapshot of a recalled lot is superseded by the recall's own v2 snapshot)."""
        return {**data, "status": LotStatus.AVAILABLE.value}

    @staticmethod
    def downcast_v2_v1(data: dict[str, Any]) -> dict[str, Any]:
        """For v1 readers during a rolling deploy: they never knew a status."""
        return {key: value for key, value in data.items() if key != "status"}


class MaterialNeed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    item_code: str
    quantity: Quantity


class MaterialLot(BaseModel):
    """A quantity of a material lot held for (or consumed by) a production order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    item_code: str
    lot_code: str
    quantity: Quantity
    expires_on: date | None = None


class MaterialShortage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    item_code: str
    needed: Quantity
    available: Quantity
    missing: Quantity
    supplier: str | None = None
    lead_time_days: int | None = None


@register
class MaterialsReserved(Event):
    """Every material of the production order is held, first-expiry-first-out."""

    TYPE = "inventory.materials_reserved"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    reservations: tuple[MaterialLot, ...]

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class MaterialsShort(Event):
    """Materials are missing; nothing is held, and the request waits for receipts."""

    TYPE = "inventory.materials_short"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    shortages: tuple[MaterialShortage, ...]

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class MaterialsReleased(Event):
    """The production order's held materials (or its waiting request) were let go."""

    TYPE = "inventory.materials_released"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


class OrderAllocation(BaseModel):
    """Finished goods of a production output lot allocated to a customer order line."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: UUID
    line_no: int
    lot_code: str
    quantity: Quantity


@register
class ProductionRecorded(Event):
    """A completion was applied: inputs consumed, the output lot created and allocated.
    The genealogy of the output lot starts here."""

    TYPE = "inventory.production_recorded"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    item_code: str
    output_lot_code: str
    output: Quantity
    produced_on: date
    expires_on: date | None = None
    consumed: tuple[MaterialLot, ...]
    allocations: tuple[OrderAllocation, ...]

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class ProductionRejected(Event):
    """A completion inventory could not apply (e.g. a lot has less than was recorded)."""

    TYPE = "inventory.production_rejected"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    reason: str

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class StockAllocated(Event):
    """Produced goods were allocated to the order; ``fully_reserved`` when nothing is
    missing any more."""

    TYPE = "inventory.stock_allocated"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.ORDER

    order_id: UUID
    production_order_id: UUID
    reservations: tuple[ReservedLot, ...]
    fully_reserved: bool

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class StockReleased(Event):
    """Everything reserved for the order went back to available stock (cancellation), or
    with ``partial`` only the ``released`` quantities did (a channel edit shrank lines)."""

    TYPE = "inventory.stock_released"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.ORDER

    order_id: UUID
    released: tuple[ReservedLot, ...]
    partial: bool = False

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class StockShipped(Event):
    """Reserved lots left in a shipment: on hand and reserved both went down, with a
    shipment movement per lot (the last link of the genealogy)."""

    TYPE = "inventory.stock_shipped"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.ORDER

    order_id: UUID
    shipment_id: UUID
    lots: tuple[ReservedLot, ...]

    def aggregate_key(self) -> str:
        return str(self.order_id)


class RecalledReservation(BaseModel):
    """Stock of a recalled lot that an open customer order had reserved or been allocated."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: UUID
    line_no: int
    lot_code: str
    quantity: Quantity


@register
class RecallApplied(Event):
    """A recall reached inventory: ``blocked_lots`` can no longer be reserved, held,
    consumed or shipped, and ``reservations`` are what open orders held on them."""

    TYPE = "inventory.recall_applied"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.RECALL

    recall_id: UUID
    reason: str
    blocked_lots: tuple[str, ...]
    unknown_lots: tuple[str, ...] = ()
    reservations: tuple[RecalledReservation, ...] = ()

    def aggregate_key(self) -> str:
        return str(self.recall_id)


@register
class RecallLifted(Event):
    """A withdrawn recall reached inventory: ``unblocked_lots`` (exactly those the recall
    blocked, and not blocked by another recall) count and may be used again."""

    TYPE = "inventory.recall_lifted"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.RECALL

    recall_id: UUID
    reason: str
    unblocked_lots: tuple[str, ...]

    def aggregate_key(self) -> str:
        return str(self.recall_id)


class PurchaseOrderStatus(StrEnum):
    OPEN = "open"
    RECEIVED = "received"
    CANCELLED = "cancelled"


@register
class PurchaseOrderChanged(Event):
    """A purchase order to a supplier was placed, received against (partly too) or
    cancelled: what is still to come (``remaining``, in the item's base unit) and when.
    ``revision`` grows with every change; a reader keeps the highest."""

    TYPE = "inventory.purchase_order_changed"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.PURCHASE_ORDER

    purchase_order_id: UUID
    item_code: str
    supplier: str
    ordered: Quantity
    received: Quantity
    remaining: Quantity
    expected_on: date
    status: PurchaseOrderStatus
    revision: int

    def aggregate_key(self) -> str:
        return str(self.purchase_order_id)


@register
class ReplenishmentRequested(Event):
    """An operator accepted a make-to-stock suggestion for a made item: production plans
    ``production_order_id`` (whole batches) for ``quantity``, serving no customer order."""

    TYPE = "inventory.replenishment_requested"
    VERSION = 1
    TOPIC = topics.INVENTORY
    AGGREGATE = keys.ITEM

    suggestion_id: UUID
    production_order_id: UUID
    item_code: str
    quantity: Quantity

    def aggregate_key(self) -> str:
        return self.item_code
