"""Events published by the production service."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts import keys, topics
from shared.contracts.base import Event
from shared.contracts.inventory import MaterialLot, MaterialNeed, MaterialShortage
from shared.contracts.registry import register
from shared.units import Money, Quantity


class ProductionStatus(StrEnum):
    """planned → materials reserved | blocked on materials → in progress → completed |
    cancelled (DESIGN.md, "Statuses a customer can be told")."""

    PLANNED = "planned"
    MATERIALS_RESERVED = "materials_reserved"
    BLOCKED_ON_MATERIALS = "blocked_on_materials"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Demand(BaseModel):
    """The part of a customer order line a production order is meant to cover."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: UUID
    line_no: int
    quantity: Quantity


@register
class ProductionOrderPlanned(Event):
    """Production was planned to make what finished stock could not cover."""

    TYPE = "production.production_order_planned"
    VERSION = 1
    TOPIC = topics.PRODUCTION
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    number: str | None = None  # MO-00042; None from producers before it existed
    item_code: str
    quantity: Quantity
    demands: tuple[Demand, ...]
    recipe_version: int | None = None
    parent_production_order_id: UUID | None = None

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class ProductionOrderStatusChanged(Event):
    """A production order moved; ``demands`` say which customer order lines it serves now
    (so orders can explain their own status), ``shortages`` why it is blocked."""

    TYPE = "production.production_order_status_changed"
    VERSION = 1
    TOPIC = topics.PRODUCTION
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    number: str | None = None  # MO-00042; None from producers before it existed
    item_code: str
    previous: ProductionStatus | None
    status: ProductionStatus
    reason: str | None = None
    demands: tuple[Demand, ...] = ()
    shortages: tuple[MaterialShortage, ...] = ()

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class ProductionOrderDemandsChanged(Event):
    """An operator combined or split production orders: the order lines served changed."""

    TYPE = "production.production_order_demands_changed"
    VERSION = 1
    TOPIC = topics.PRODUCTION
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    number: str | None = None  # MO-00042; None from producers before it existed
    item_code: str
    quantity: Quantity
    status: ProductionStatus
    demands: tuple[Demand, ...]

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class MaterialsRequested(Event):
    """Production asks inventory to hold every material of a production order (all or
    nothing, first-expiry-first-out); a short request waits for goods receipts."""

    TYPE = "production.materials_requested"
    VERSION = 1
    TOPIC = topics.PRODUCTION
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    item_code: str
    materials: tuple[MaterialNeed, ...]

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class ProductionCompleted(Event):
    """An operator recorded a completion: the actual input lots and quantities and the
    actual output. Inventory consumes, creates the output lot and allocates it to
    ``demands`` in their order; any surplus stays free stock."""

    TYPE = "production.production_completed"
    VERSION = 1
    TOPIC = topics.PRODUCTION
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    item_code: str
    output: Quantity
    output_lot_code: str
    produced_on: date
    expires_on: date | None = None
    consumed: tuple[MaterialLot, ...]
    demands: tuple[Demand, ...]
    # Added for cost of goods (issue 17): the recorded run time and the line's labour and
    # overhead per minute; None (older messages, nothing recorded): no labour is added.
    run_minutes: int | None = None
    cost_per_minute: Money | None = None

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class ProductionRunCorrected(Event):
    """The recorded run time of a completed production order was corrected (the operator
    wrote 30 minutes, it ran 45): inventory re-costs the output lot with the labour of the
    corrected time at ``cost_per_minute`` (the line's rate), and every lot made from it.
    Keyed like ``production_completed``, so it follows the completion it corrects."""

    TYPE = "production.run_time_corrected"
    VERSION = 1
    TOPIC = topics.PRODUCTION
    AGGREGATE = keys.PRODUCTION_ORDER

    production_order_id: UUID
    item_code: str
    output_lot_code: str | None = None
    run_minutes: int
    previous_run_minutes: int | None = None
    cost_per_minute: Money | None = None
    reason: str | None = None

    def aggregate_key(self) -> str:
        return str(self.production_order_id)


@register
class OrderPromised(Event):
    """The date production can get a customer order to its customer, first set or changed
    by a re-plan; ``reason`` is the step that sets it (stock, material X, line Y busy…)."""

    TYPE = "production.order_promised"
    VERSION = 1
    TOPIC = topics.PRODUCTION
    AGGREGATE = keys.ORDER

    order_id: UUID
    promised_on: date
    reason: str
    previous_promised_on: date | None = None

    def aggregate_key(self) -> str:
        return str(self.order_id)


class MissingMaterial(BaseModel):
    """A material nothing in stock covers, at any depth of the recipe (the flour behind the
    dough behind the biscuits), and when it is expected: ``expected_on`` of an open
    purchase order, else ``arrives_on`` by the supplier's lead time (None: nothing brings
    it yet)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    item_code: str
    missing: Quantity | None = None
    lead_time_days: int | None = None
    expected_on: date | None = None
    arrives_on: date | None = None
    production_order_id: UUID | None = None  # the batch that waits for it


@register
class OrderMaterialsChanged(Event):
    """What a customer order's production still lacks at every level, published when it
    changes; an empty ``missing`` says nothing is missing any more (it waits for production
    only)."""

    TYPE = "production.order_materials_changed"
    VERSION = 1
    TOPIC = topics.PRODUCTION
    AGGREGATE = keys.ORDER

    order_id: UUID
    missing: tuple[MissingMaterial, ...] = ()

    def aggregate_key(self) -> str:
        return str(self.order_id)
