"""``GET /api/orders/report``: on-time rate over the last 30 days, the open backlog, orders
per channel per day over the last 14, and the median time from order to ready-to-ship. Read
in one READ ONLY transaction; the arithmetic is ``report_rules``'."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders.promises.exceptions import OPEN
from services.orders.reports import report_rules as rules
from services.orders.reports import reports_repository as facts
from shared.runtime import engine_of
from shared.units import ExactDecimal

router = APIRouter(prefix="/api", tags=["orders"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]
ON_TIME_DAYS = 30
CHANNEL_DAYS = 14


class OnTimeOut(BaseModel):
    first_day: date
    last_day: date
    shipped: int
    on_time: int
    late: int
    without_promise: int
    rate: ExactDecimal | None = Field(description="percent on time of those promised a date")


class UnitsOut(BaseModel):
    unit: str
    quantity: ExactDecimal


class BacklogOut(BaseModel):
    orders: int
    units: list[UnitsOut]


class ChannelOut(BaseModel):
    channel: str
    counts: list[int]
    total: int


class PerChannelOut(BaseModel):
    days: list[date]
    channels: list[ChannelOut]


class ReadyTimeOut(BaseModel):
    first_day: date
    last_day: date
    orders: int
    median_hours: ExactDecimal | None


class ReportOut(BaseModel):
    as_of: date
    on_time: OnTimeOut
    backlog: BacklogOut
    per_channel: PerChannelOut
    ready_time: ReadyTimeOut


@router.get("/orders/report", response_model=ReportOut)
async def order_report(
    engine: Engine,
    as_of: Annotated[date | None, Query(description="the last day counted (today, UTC)")] = None,
) -> ReportOut:
    """The numbers a maker watches, each over its own window ending on ``as_of``."""
    last = as_of or datetime.now(UTC).date()
    on_time_from, _ = rules.window(last, ON_TIME_DAYS)
    days = rules.days_of(last, CHANNEL_DAYS)
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        shipped = await facts.shipped_between(conn, on_time_from, last)
        open_orders, units = await facts.backlog(conn, sorted(s.value for s in OPEN))
        counted = await facts.orders_per_channel(conn, days[0], last)
        took = await facts.times_to_ready(conn, on_time_from, last)
    kept = rules.on_time(shipped)
    return ReportOut(
        as_of=last,
        on_time=OnTimeOut(
            first_day=on_time_from,
            last_day=last,
            shipped=kept.shipped,
            on_time=kept.on_time,
            late=kept.late,
            without_promise=kept.without_promise,
            rate=kept.rate,
        ),
        backlog=BacklogOut(
            orders=open_orders,
            units=[UnitsOut(unit=u, quantity=q) for u, q in units],
        ),
        per_channel=PerChannelOut(
            days=days,
            channels=[
                ChannelOut(channel=s.channel, counts=list(s.counts), total=s.total)
                for s in rules.per_channel(counted, days)
            ],
        ),
        ready_time=ReadyTimeOut(
            first_day=on_time_from,
            last_day=last,
            orders=len(took),
            median_hours=rules.median_hours(took),
        ),
    )
