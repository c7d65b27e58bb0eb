"""HTTP response models of the orders API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from shared.contracts.orders import OrderStatus
from shared.contracts.production import ProductionStatus
from shared.units import ExactDecimal, MoneyDecimal


class LineOut(BaseModel):
    line_no: int
    external_line_id: str
    sku: str
    item_code: str | None
    title: str | None
    quantity: ExactDecimal
    unit: str
    unit_price: MoneyDecimal | None
    currency: str | None
    mapping_key: str | None = None  # what a line without a SKU is mapped by (variant:<id>…)
    gross: MoneyDecimal | None = None  # unit price × quantity
    discount: MoneyDecimal | None = None  # the channel's discounts allocated to the line
    net: MoneyDecimal | None = None  # what the customer pays for the line


class ReservationOut(BaseModel):
    line_no: int
    item_code: str
    lot_code: str
    quantity: ExactDecimal
    unit: str
    expires_on: date | None


class ShortageOut(BaseModel):
    line_no: int
    item_code: str
    missing: ExactDecimal
    unit: str
    reason: str | None = None  # e.g. stock too close to expiry for this customer's rule


class MissingMaterialOut(BaseModel):
    """A material the order's production lacks, at any recipe level, and when it comes:
    ``expected_on`` by an open purchase order, else ``arrives_on`` by the supplier's lead
    time (both None: nothing brings it yet)."""

    item_code: str
    missing: ExactDecimal | None
    unit: str | None
    lead_time_days: int | None
    expected_on: date | None
    arrives_on: date | None
    production_order_id: UUID | None


class ProductionLinkOut(BaseModel):
    """A production order serving one of the order's lines, and why it may be waiting."""

    line_no: int
    production_order_id: UUID
    production_number: str | None = Field(
        default=None, description="what people call it (MO-00042); null before production said"
    )
    item_code: str
    quantity: ExactDecimal
    unit: str
    status: ProductionStatus
    material_shortages: list[dict[str, Any]]


class CancelIn(BaseModel):
    reason: str | None = None


class StatusChangeOut(BaseModel):
    previous: OrderStatus | None
    status: OrderStatus
    reason: str | None
    at: datetime


class OrderOut(BaseModel):
    id: UUID
    channel: str
    shop: str
    external_id: str
    external_number: str | None
    status: OrderStatus
    hold_reason: str | None
    currency: str | None
    customer: dict[str, Any]
    placed_at: datetime | None
    requested_on: date | None
    promised_on: date | None = None
    promise_reason: str | None = None
    is_test: bool = False  # the channel's test order: no demand unless its shop runs a trial
    subtotal: MoneyDecimal | None = None  # the order's money as the channel reported it
    discounts: MoneyDecimal | None = None
    shipping: MoneyDecimal | None = None
    tax: MoneyDecimal | None = None
    total: MoneyDecimal | None = None
    created_at: datetime
    updated_at: datetime
    lines: list[LineOut]
    reservations: list[ReservationOut]
    shortages: list[ShortageOut]
    production_orders: list[ProductionLinkOut]
    missing_materials: list[MissingMaterialOut] | None = Field(
        default=None,
        description="what its production lacks at every recipe level (null: not reported)",
    )
    history: list[StatusChangeOut]
