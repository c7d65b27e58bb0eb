"""The plan per line by day, as the dashboard draws it: each line's capacity and where the
open production orders land on it.

The plan is the promise's own schedule (``promise_with_open_production``), computed now,
not a stored copy, so what the dashboard shows is what the promises were given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import tables as t
from services.production.capacity import lines
from services.production.capacity.scheduling_rules import Slot
from services.production.production_orders.number_rules import format_number
from services.production.promise.open_production import open_productions
from services.production.promise.plan_rules import OpenProduction, promise_with_open_production
from services.production.promise.replanner import SITE_CALENDAR
from services.production.service import ProductionError

MAX_PLAN_DAYS = 92


async def line_plan(engine: AsyncEngine, start: date, end: date, *, today: date) -> dict[str, Any]:
    """Every line's days in ``[start, end]`` and the bookings that fall in them."""
    if end < start:
        raise ProductionError(f"the plan runs forwards: {end} is before {start}")
    if (end - start).days >= MAX_PLAN_DAYS:
        raise ProductionError(f"at most {MAX_PLAN_DAYS} days at a time")
    async with engine.connect() as conn:
        records = await lines.line_records(conn)
        scheduled = await lines.load_lines(conn, [r["code"] for r in records])
        productions = await open_productions(conn)
        slots = await slots_now(conn, today=today, productions=productions)
        heads = {
            row.id: row
            for row in await conn.execute(
                sa.select(
                    t.production_order.c.id,
                    t.production_order.c.number,
                    t.production_order.c.status,
                    t.production_order.c.quantity,
                    t.production_order.c.unit,
                ).where(t.production_order.c.id.in_([p.production_order_id for p in productions]))
            )
        }
    items = {p.production_order_id: p.item_code for p in productions}
    bookings = []
    for production_order_id, slot in slots.items():
        if slot.end_on < start or slot.start_on > end:
            continue
        head = heads[production_order_id]
        bookings.append(
            {
                "production_order_id": production_order_id,
                "number": format_number(head.number),
                "item_code": items[production_order_id],
                "status": head.status,
                "quantity": head.quantity,
                "unit": head.unit,
                "line_code": slot.line,
                "start_on": slot.start_on,
                "end_on": slot.end_on,
                "minutes_by_day": {d: m for d, m in slot.minutes_by_day if start <= d <= end},
            }
        )
    bookings.sort(key=lambda b: (b["line_code"], b["start_on"], str(b["production_order_id"])))
    return {
        "from": start,
        "to": end,
        "lines": [
            {
                "code": r["code"],
                "name": r["name"],
                "days": lines.calendar_days(scheduled[r["code"]], start, end),
            }
            for r in records
        ],
        "bookings": bookings,
    }


async def slots_now(
    conn: AsyncConnection, *, today: date, productions: Sequence[OpenProduction] | None = None
) -> dict[UUID, Slot]:
    """Where every open production order made on a line lands, as the promise schedules it
    now (handling and transit come after production: they move no slot)."""
    if productions is None:
        productions = await open_productions(conn)
    codes = {p.line for p in productions if p.line is not None}
    scheduled = await lines.load_lines(conn, codes)
    plan = promise_with_open_production(
        (),
        [p for p in productions if p.line is None or p.line in scheduled],
        today=today,
        calendar=SITE_CALENDAR,
        lines=list(scheduled.values()),
        handling_days=0,
        transit_days=0,
    )
    return dict(plan.slots)
