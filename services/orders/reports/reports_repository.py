"""The facts the reports add up (``report_rules``), read from the orders database. Test
orders are left out everywhere: they create no demand and ship nothing real. Times are
compared in UTC, the day of a timestamp is its UTC date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import tables as t
from services.orders.reports.report_rules import Shipped

ORDER, HISTORY = t.order, t.status_history


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the start of the day after ``last`` (UTC)."""
    return datetime.combine(first, time(), UTC), datetime.combine(
        last + timedelta(days=1), time(), UTC
    )


def _first_reached(status: str) -> sa.Subquery:
    """When each order first reached ``status``."""
    return (
        sa.select(HISTORY.c.order_id, sa.func.min(HISTORY.c.at).label("at"))
        .where(HISTORY.c.status == status)
        .group_by(HISTORY.c.order_id)
        .subquery()
    )


async def shipped_between(conn: AsyncConnection, first: date, last: date) -> list[Shipped]:
    """Orders that shipped completely (first became ``shipped``) from ``first`` to ``last``,
    with the date they were promised."""
    start, end = _bounds(first, last)
    shipped = _first_reached("shipped")
    rows = await conn.execute(
        sa.select(shipped.c.at, ORDER.c.promised_on)
        .join(ORDER, ORDER.c.id == shipped.c.order_id)
        .where(shipped.c.at >= start, shipped.c.at < end, sa.not_(ORDER.c.is_test))
    )
    return [Shipped(r.at.astimezone(UTC).date(), r.promised_on) for r in rows]


async def backlog(
    conn: AsyncConnection, statuses: Sequence[str]
) -> tuple[int, list[tuple[str, Decimal]]]:
    """How many orders are open and the units they ask for, summed per unit (pieces and
    kilograms are not added together)."""
    open_orders = sa.and_(ORDER.c.status.in_(statuses), sa.not_(ORDER.c.is_test))
    count = await conn.scalar(sa.select(sa.func.count()).select_from(ORDER).where(open_orders))
    units = await conn.execute(
        sa.select(t.line.c.unit, sa.func.sum(t.line.c.quantity).label("quantity"))
        .join(ORDER, ORDER.c.id == t.line.c.order_id)
        .where(open_orders)
        .group_by(t.line.c.unit)
        .order_by(t.line.c.unit)
    )
    return int(count or 0), [(r.unit, Decimal(r.quantity)) for r in units]


async def orders_per_channel(
    conn: AsyncConnection, first: date, last: date
) -> list[tuple[str, date, int]]:
    """``(channel, day, orders received)`` for every channel and day that had any."""
    start, end = _bounds(first, last)
    day = sa.cast(sa.func.timezone("UTC", ORDER.c.created_at), sa.Date).label("day")
    rows = await conn.execute(
        sa.select(ORDER.c.channel, day, sa.func.count().label("orders"))
        .where(ORDER.c.created_at >= start, ORDER.c.created_at < end, sa.not_(ORDER.c.is_test))
        .group_by(ORDER.c.channel, day)
    )
    return [(r.channel, r.day, int(r.orders)) for r in rows]


async def times_to_ready(conn: AsyncConnection, first: date, last: date) -> list[timedelta]:
    """For each order that first became ready to ship from ``first`` to ``last``: how long
    after it reached Lotline."""
    start, end = _bounds(first, last)
    ready = _first_reached("ready_to_ship")
    rows = await conn.execute(
        sa.select((ready.c.at - ORDER.c.created_at).label("took"))
        .join(ORDER, ORDER.c.id == ready.c.order_id)
        .where(ready.c.at >= start, ready.c.at < end, sa.not_(ORDER.c.is_test))
    )
    return [r.took for r in rows]
