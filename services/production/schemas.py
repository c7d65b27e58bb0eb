"""HTTP request and response models of the production API (never Kafka events)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.production import ProductionStatus
from shared.units import ExactDecimal, Quantity

# --- recipes -------------------------------------------------------------------------------


class RecipeLineIn(BaseModel):
    item_code: str = Field(min_length=1)
    quantity: ExactDecimal
    unit: str = Field(min_length=1)


class RecipeIn(BaseModel):
    """Numbers are checked by the recipe rules, so a refusal names the culprit."""

    item_code: str = Field(min_length=1)
    batch_size: ExactDecimal
    unit: str = Field(min_length=1)
    expected_yield: ExactDecimal = Decimal(1)
    whole_batches: bool = True
    duration_minutes: int = Field(default=0, ge=0)
    line_code: str | None = Field(default=None, min_length=1, description="where it is made")
    setup_minutes: int = Field(default=0, ge=0, description="once per production order")
    minutes_per_batch: int | None = Field(
        default=None, gt=0, description="on its line; defaults to duration_minutes"
    )
    lines: list[RecipeLineIn]


class RecipeLineOut(BaseModel):
    line_no: int
    item_code: str
    quantity: ExactDecimal
    unit: str


class RecipeOut(BaseModel):
    item_code: str
    version: int
    active: bool
    batch_size: ExactDecimal
    unit: str
    expected_yield: ExactDecimal
    whole_batches: bool
    duration_minutes: int
    line_code: str | None
    setup_minutes: int
    minutes_per_batch: int | None
    lines: list[RecipeLineOut]
    created_at: datetime


class RecipeVersionsOut(BaseModel):
    item_code: str
    active: RecipeOut | None
    versions: list[RecipeOut]


# --- availability --------------------------------------------------------------------------


class AvailabilityIn(BaseModel):
    item_code: str = Field(min_length=1)
    quantity: ExactDecimal = Field(gt=0)
    unit: str = Field(min_length=1)


class MaterialAvailabilityOut(BaseModel):
    item_code: str
    level: int
    unit: str
    needed: ExactDecimal
    available: ExactDecimal
    missing: ExactDecimal
    made: ExactDecimal = Field(description="the part of `missing` production makes itself")
    short: ExactDecimal = Field(description="missing and not made: what must be bought")
    supplier: str | None
    lead_time_days: int | None


class ProductionNeededOut(BaseModel):
    item_code: str
    level: int
    planned: ExactDecimal
    unit: str
    batches: ExactDecimal
    recipe_version: int


class AvailabilityOut(BaseModel):
    item_code: str
    quantity: ExactDecimal
    unit: str
    can_start_now: bool
    material_lead_days: int | None
    materials: list[MaterialAvailabilityOut]
    productions: list[ProductionNeededOut]


# --- production orders ---------------------------------------------------------------------


class DemandOut(BaseModel):
    order_id: UUID
    line_no: int
    quantity: ExactDecimal
    unit: str


class MaterialOut(BaseModel):
    item_code: str
    quantity: ExactDecimal
    unit: str


class LotQuantityOut(BaseModel):
    item_code: str
    lot_code: str
    quantity: ExactDecimal
    unit: str
    expires_on: date | None


class ShortageOut(BaseModel):
    """As inventory reported it (``MaterialShortage``): quantities with their unit."""

    item_code: str
    needed: Quantity
    available: Quantity
    missing: Quantity
    supplier: str | None
    lead_time_days: int | None


class SlotOut(BaseModel):
    """Where a production order (or a quoted line) lands on its line: first and last day,
    and the minutes it books each day."""

    line: str
    start_on: date
    end_on: date
    minutes_by_day: dict[date, int]


class ChildOut(BaseModel):
    id: UUID
    number: str
    item_code: str
    quantity: ExactDecimal
    unit: str
    status: ProductionStatus


class HistoryOut(BaseModel):
    previous: ProductionStatus | None
    status: ProductionStatus
    reason: str | None
    created_at: datetime


class ProductionOrderOut(BaseModel):
    id: UUID
    number: str = Field(description="what people call it: MO-00042")
    item_code: str
    quantity: ExactDecimal
    unit: str
    status: ProductionStatus
    reason: str | None
    recipe_version: int | None
    batches: ExactDecimal | None
    parent_production_order_id: UUID | None
    parent_number: str | None = None
    output_lot_code: str | None
    output_quantity: ExactDecimal | None
    output_unit: str | None
    output_recorded_at: datetime | None
    produced_on: date | None
    expires_on: date | None
    created_at: datetime
    updated_at: datetime
    demands: list[DemandOut] = Field(description="the customer order lines served, in order")
    materials: list[MaterialOut] = Field(description="what was requested from inventory")
    reserved_lots: list[LotQuantityOut] = Field(description="held by inventory for it")
    shortages: list[ShortageOut]
    consumed: list[LotQuantityOut] = Field(description="recorded at completion")
    children: list[ChildOut] = Field(description="production orders making its intermediates")
    history: list[HistoryOut]
    slot: SlotOut | None = Field(
        default=None, description="its place on its line (open orders made on a line)"
    )


class ConsumedIn(BaseModel):
    lot_code: str = Field(min_length=1)
    quantity: ExactDecimal
    unit: str | None = None


class CompleteIn(BaseModel):
    output_quantity: ExactDecimal
    unit: str | None = None
    produced_on: date | None = None
    output_lot_code: str | None = Field(default=None, min_length=1, max_length=100)
    consumed: list[ConsumedIn] | None = Field(
        default=None, description="defaults to the lots inventory holds for the order"
    )
    run_minutes: int | None = Field(
        default=None, ge=0, le=100_000, description="the recorded run time, for costing"
    )


class RunCorrectionIn(BaseModel):
    run_minutes: int = Field(ge=0, le=100_000, description="the run's real time, in minutes")
    reason: str | None = Field(default=None, max_length=200)


class RunCorrectedOut(BaseModel):
    """The corrected run; ``changed`` is false when it already had that time (nothing is
    re-costed then)."""

    production_order_id: UUID
    run_minutes: int
    previous_run_minutes: int | None
    output_lot_code: str | None
    changed: bool


class CancelIn(BaseModel):
    reason: str | None = None


class CombineIn(BaseModel):
    production_order_ids: list[UUID]


class OrderLineIn(BaseModel):
    order_id: UUID
    line_no: int


class SplitIn(BaseModel):
    demands: list[OrderLineIn]


class SplitOut(BaseModel):
    original: ProductionOrderOut
    split_off: ProductionOrderOut


# --- lines and calendars -------------------------------------------------------------------


class LineIn(BaseModel):
    """A line works ``working_weekdays`` (Monday is 0) for ``hours_per_day``, less the
    country's public holidays and its closures."""

    code: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1)
    country: str = Field(default="IT", min_length=2, max_length=3)
    subdivision: str | None = None
    working_weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    hours_per_day: ExactDecimal = Decimal(8)
    closures: list[date] = Field(default_factory=list)
    cost_per_minute: ExactDecimal = Field(
        default=Decimal(0), ge=0, description="labour and overhead per minute of run time"
    )
    cost_currency: str = Field(default="EUR", min_length=3, max_length=3)


class LineOut(BaseModel):
    code: str
    name: str
    country: str
    subdivision: str | None
    working_weekdays: list[int]
    hours_per_day: ExactDecimal
    closures: list[date]
    cost_per_minute: ExactDecimal = Decimal(0)
    cost_currency: str = "EUR"
    created_at: datetime


class CapacityIn(BaseModel):
    minutes: int = Field(ge=0, le=24 * 60, description="0 for a breakdown")


class CapacityRangeIn(CapacityIn):
    from_: date = Field(alias="from")
    to: date


class CapacityOut(BaseModel):
    line_code: str
    on: date
    minutes: int


class CalendarDayOut(BaseModel):
    on: date
    working: bool
    holiday: bool
    closed: bool
    overridden: bool = Field(description="a capacity set for this date wins over the calendar")
    minutes: int


class CalendarOut(BaseModel):
    line_code: str
    days: list[CalendarDayOut]


class PlannedLineOut(BaseModel):
    code: str
    name: str
    days: list[CalendarDayOut]


class BookingOut(BaseModel):
    """Where an open production order lands: the minutes it books on each day shown."""

    production_order_id: UUID
    number: str
    item_code: str
    status: ProductionStatus
    quantity: ExactDecimal
    unit: str
    line_code: str
    start_on: date
    end_on: date
    minutes_by_day: dict[date, int]


class LinePlanOut(BaseModel):
    """The plan per line by day: capacity from the calendars, bookings from the schedule."""

    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    lines: list[PlannedLineOut]
    bookings: list[BookingOut]


# --- quotes --------------------------------------------------------------------------------


class QuoteLineIn(BaseModel):
    item_code: str = Field(min_length=1)
    quantity: ExactDecimal = Field(gt=0)
    unit: str = Field(min_length=1)


class QuoteIn(BaseModel):
    lines: list[QuoteLineIn] = Field(min_length=1)
    channel: str | None = Field(default=None, description="whose handling terms apply")
    shop: str | None = Field(default=None, description="whose handling terms apply")
    carrier_service: str | None = Field(default=None, description="whose transit applies")
    handling_days: int | None = Field(
        default=None, ge=0, le=60, description="default: the shop's (LOTLINE_PROMISE__…)"
    )
    transit_days: int | None = Field(
        default=None, ge=0, le=60, description="default: the carrier service's"
    )
    per_line: bool = Field(default=False, description="each line keeps its own date")
    as_of: date | None = Field(default=None, description="promise as if today were this day")


class TermOut(BaseModel):
    kind: str
    label: str
    done_on: date
    days: int


class QuoteLineOut(BaseModel):
    line_no: int
    item_code: str
    promised_on: date = Field(description="the order's date unless per_line")
    ready_on: date = Field(description="this line's own date")
    dominant: str
    breakdown: list[TermOut]
    slot: SlotOut | None


class QuoteOut(BaseModel):
    as_of: date
    promised_on: date
    dominant: str
    dominant_line: int
    lines: list[QuoteLineOut]
