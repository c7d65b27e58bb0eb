"""Cost of goods over HTTP: ``GET /api/orders/{order_id}/cost`` (each line with its lots,
quantities, unit costs and line cost; the order's cost, revenue, margin and margin %), and the
accountant's per channel, per month summary ``GET /api/orders/costs?month=2026-12`` (JSON) and
``GET /api/orders/costs.csv?month=2026-12``. The arithmetic and rounding: ``cost_rules``."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders.costs import lot_costs as costs
from services.orders.costs.cost_rules import MonthSummary, to_cents
from shared.runtime import engine_of
from shared.units import ExactDecimal, MoneyDecimal

router = APIRouter(prefix="/api", tags=["orders"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="e.g. 2026-12")]


class LotCostOut(BaseModel):
    lot_code: str
    quantity: ExactDecimal
    unit_cost: ExactDecimal | None = Field(description="per unit, 6 places; null: unknown")
    currency: str | None
    cost: ExactDecimal | None = Field(description="quantity × unit cost, exact")


class LineCostOut(BaseModel):
    line_no: int
    item_code: str | None
    quantity: ExactDecimal
    unit: str
    lots: list[LotCostOut]
    cost: ExactDecimal | None = Field(description="exact, unrounded; null: not all known")
    cost_rounded: MoneyDecimal | None = Field(description="the cost to the cent, as shown")
    revenue: MoneyDecimal | None = Field(description="the line's net price")


class OrderCostOut(BaseModel):
    order_id: UUID
    channel: str
    external_number: str | None
    placed_on: date | None
    currency: str | None
    cost: MoneyDecimal | None = Field(description="sum of unrounded line costs, rounded once")
    revenue: MoneyDecimal | None
    margin: MoneyDecimal | None
    margin_percent: ExactDecimal | None
    lines: list[LineCostOut]


class MonthSummaryOut(BaseModel):
    channel: str
    month: str
    currency: str | None
    orders: int
    orders_without_cost: int = Field(description="not yet reserved, or a lot of unknown cost")
    cost: MoneyDecimal
    revenue: MoneyDecimal
    margin: MoneyDecimal
    margin_percent: ExactDecimal | None


@router.get("/orders/costs", response_model=list[MonthSummaryOut])
async def cost_summary(engine: Engine, month: Month) -> list[MonthSummary]:
    """Per channel (and currency): the month's orders, their cost of goods, revenue and margin."""
    return await costs.month_summary(engine, month)


CSV_COLUMNS = (
    "month",
    "channel",
    "currency",
    "orders",
    "orders_without_cost",
    "cost",
    "revenue",
    "margin",
    "margin_percent",
)


def summary_csv(rows: list[MonthSummary]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.month,
                r.channel,
                r.currency or "",
                r.orders,
                r.orders_without_cost,
                f"{r.cost:f}",
                f"{r.revenue:f}",
                f"{r.margin:f}",
                "" if r.margin_percent is None else f"{r.margin_percent:f}",
            ]
        )
    return buffer.getvalue()


@router.get("/orders/costs.csv")
async def cost_summary_csv(engine: Engine, month: Month) -> Response:
    """The same summary as CSV, for the accountant."""
    rows = await costs.month_summary(engine, month)
    return Response(
        summary_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="costs-{month}.csv"'},
    )


@router.get("/orders/{order_id}/cost", response_model=OrderCostOut)
async def order_cost(order_id: UUID, engine: Engine) -> OrderCostOut:
    """What the order's goods cost: each line's lots at their unit costs; revenue and margin."""
    order, cost = await costs.cost_of_order(engine, order_id)
    placed = order.placed_at or order.created_at
    return OrderCostOut(
        order_id=order.id,
        channel=order.channel,
        external_number=order.external_number,
        placed_on=placed.date() if placed else None,
        currency=cost.currency,
        cost=cost.cost,
        revenue=cost.revenue,
        margin=cost.margin,
        margin_percent=cost.margin_percent,
        lines=[
            LineCostOut(
                line_no=line.line_no,
                item_code=line.item_code,
                quantity=line.quantity,
                unit=line.unit,
                lots=[
                    LotCostOut(
                        lot_code=lot.lot_code,
                        quantity=lot.quantity,
                        unit_cost=lot.unit_cost,
                        currency=lot.currency,
                        cost=lot.cost,
                    )
                    for lot in line.lots
                ],
                cost=line.cost,
                cost_rounded=None if line.cost is None else to_cents(line.cost),
                revenue=line.revenue,
            )
            for line in cost.lines
        ],
    )
