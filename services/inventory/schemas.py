"""HTTP request and response models of the inventory API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from shared.contracts.inventory import LotStatus
from shared.units import KNOWN_UNITS, ExactDecimal, Money


class ItemKind(StrEnum):
    RAW_MATERIAL = "raw_material"
    PACKAGING = "packaging"
    INTERMEDIATE = "intermediate"
    FINISHED_GOOD = "finished_good"


def _known_unit(unit: str) -> str:
    if unit not in KNOWN_UNITS:
        raise ValueError(f"unknown unit {unit!r}; known: {', '.join(sorted(KNOWN_UNITS))}")
    return unit


class ItemIn(BaseModel):
    code: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._\-]+$")
    name: str = Field(min_length=1)
    kind: ItemKind = ItemKind.FINISHED_GOOD
    base_unit: str = Field(default="pc", min_length=1)
    # Bounded so an expiry or an arrival is still a date (and a lead time counted in weekdays
    # takes no time to count): a century of shelf life, ten years of lead time.
    shelf_life_days: int | None = Field(default=None, ge=0, le=36_500)
    supplier: str | None = None
    lead_time_days: int | None = Field(default=None, ge=0, le=3_650)

    @field_validator("base_unit")
    @classmethod
    def base_unit_is_known(cls, unit: str) -> str:
        return _known_unit(unit)


class ItemOut(ItemIn):
    pass


class LotIn(BaseModel):
    item_code: str
    lot_code: str = Field(min_length=1, max_length=100)
    quantity: ExactDecimal = Field(gt=0)
    unit: str
    expires_on: date | None = None
    # produced or received on: where its shelf life starts (a minimum-fraction shelf-life
    # rule refuses a lot without it)
    received_on: date | None = None


class LotOut(BaseModel):
    id: int
    lot_code: str
    item_code: str
    unit: str
    on_hand: ExactDecimal
    reserved: ExactDecimal
    available: ExactDecimal  # zero unless ``status`` is available (invariant 8)
    blocked: ExactDecimal = Decimal(0)  # free stock of a blocked or quarantined lot
    status: LotStatus = LotStatus.AVAILABLE
    expires_on: date | None
    blocked_reason: str | None = None  # set by a recall
    # Per base unit, 6 places (costing_rules); null: unknown.
    unit_cost: ExactDecimal | None = None
    unit_cost_currency: str | None = None


class StockOut(BaseModel):
    """``on_hand = reserved + available + blocked``: blocked and quarantined lots' free stock
    is on the shelf but for sale nowhere."""

    item_code: str
    unit: str
    on_hand: ExactDecimal
    reserved: ExactDecimal
    available: ExactDecimal
    blocked: ExactDecimal = Decimal(0)


class ReservationOut(BaseModel):
    order_id: UUID
    line_no: int
    lot_code: str
    item_code: str
    quantity: ExactDecimal
    unit: str


class ReceiptIn(BaseModel):
    """A goods receipt; ``unit`` may differ from the item's base unit (e.g. kg for g)."""

    item_code: str
    quantity: ExactDecimal
    unit: str
    supplier: str = Field(min_length=1)
    supplier_lot_code: str = Field(min_length=1)
    expires_on: date | None = None
    received_on: date | None = None
    cost: Money | None = None
    purchase_order_id: UUID | None = None  # goods received against this purchase order


class ReceiptOut(BaseModel):
    lot_id: int
    lot_code: str
    item_code: str
    quantity: ExactDecimal
    unit: str
    expires_on: date | None
    supplier: str
    supplier_lot_code: str


class PurchaseOrderIn(BaseModel):
    """Supplier and expected arrival default to the item's supplier and lead time."""

    item_code: str
    quantity: ExactDecimal
    unit: str
    supplier: str | None = None
    expected_on: date | None = None


class PurchaseOrderCancelIn(BaseModel):
    reason: str | None = None


class PurchaseOrderOut(BaseModel):
    id: UUID
    item_code: str
    supplier: str
    quantity: ExactDecimal
    received: ExactDecimal
    remaining: ExactDecimal
    unit: str
    expected_on: date
    status: str
    reason: str | None
    created_at: datetime


class ReorderPointIn(BaseModel):
    """Min/max of an item; ``pack_size``: the supplier's pack (bought items)."""

    reorder_point: ExactDecimal
    target: ExactDecimal
    unit: str
    pack_size: ExactDecimal | None = None


class ReorderPointOut(BaseModel):
    item_code: str
    reorder_point: ExactDecimal
    target: ExactDecimal
    pack_size: ExactDecimal | None
    unit: str
    available: ExactDecimal
    daily_demand: ExactDecimal
    days_of_cover: ExactDecimal | None


class SuggestionOut(BaseModel):
    id: UUID
    item_code: str
    kind: str
    quantity: ExactDecimal
    unit: str
    available: ExactDecimal
    daily_demand: ExactDecimal
    status: str
    reason: str | None
    reference: UUID | None
    created_at: datetime
    decided_at: datetime | None


class DismissIn(BaseModel):
    reason: str | None = None


class ShelfLifeRuleIn(BaseModel):
    """At least ``min_days`` days left at reservation, at least ``min_fraction`` (``"2/3"``,
    ``"0.75"``) of the lot's whole shelf life left, or both."""

    min_days: int | None = Field(default=None, ge=0, le=36500)
    min_fraction: str | None = Field(default=None, max_length=32)


class ShelfLifeRuleOut(BaseModel):
    scope: str  # channel | customer
    key: str  # the channel, or the customer's e-mail or name, lower-cased
    min_days: int | None
    min_fraction: str | None
    needs: str  # what it asks, in words: "≥ 30 days", "≥ 2/3 of its shelf life"


class RecostedOut(BaseModel):
    """A lot whose unit cost a corrected receipt cost changed (the corrected lot first)."""

    lot_code: str
    unit_cost: Money | None
    previous_unit_cost: Money | None
