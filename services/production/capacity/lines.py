"""Production lines and their working calendars: what capacity planning and promises count on.

A line works its weekdays for ``hours_per_day``, less the country's public holidays and its own
closures; a capacity override for one date (0 for a breakdown) wins over the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import tables as t
from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.capacity.scheduling_rules import Line
from services.production.service import NotFound, ProductionError
from shared.hot_sql import HotStatement, any_of

MAX_CALENDAR_DAYS = 366


class LineExists(ProductionError):
    """A line code already taken (409): lines are defined once, then adjusted day by day."""


@dataclass(frozen=True)
class NewLine:
    code: str
    name: str
    country: str
    subdivision: str | None
    working_weekdays: frozenset[int]
    hours_per_day: Decimal
    closures: frozenset[date]
    cost_per_minute: Decimal = Decimal(0)
    cost_currency: str = "EUR"


async def define_line(engine: AsyncEngine, new: NewLine) -> dict[str, Any]:
    """Store a line whose calendar makes sense (CalendarError, 422, otherwise)."""
    WorkingCalendar(
        country=new.country,
        subdivision=new.subdivision,
        working_weekdays=new.working_weekdays,
        hours_per_day=new.hours_per_day,
        closures=new.closures,
    )
    async with engine.begin() as conn:
        inserted = await conn.execute(
            insert(t.production_line)
            .values(
                code=new.code,
                name=new.name,
                country=new.country,
                subdivision=new.subdivision,
                working_weekdays=sorted(new.working_weekdays),
                hours_per_day=new.hours_per_day,
                closures=sorted(new.closures),
                cost_per_minute=new.cost_per_minute,
                cost_currency=new.cost_currency,
            )
            .on_conflict_do_nothing(index_elements=[t.production_line.c.code])
            .returning(t.production_line.c.code)
        )
        if inserted.first() is None:
            raise LineExists(f"line {new.code} already exists")
        return (await line_records(conn, codes=[new.code]))[0]


async def list_lines(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return await line_records(conn)


async def set_capacity(engine: AsyncEngine, code: str, on: date, minutes: int) -> dict[str, Any]:
    """The minutes the line really has that day, whatever its calendar says."""
    [day] = await set_capacity_between(engine, code, on, on, minutes)
    return day


async def set_capacity_between(
    engine: AsyncEngine, code: str, start: date, end: date, minutes: int
) -> list[dict[str, Any]]:
    """Every day of ``[start, end]`` at once (a two-day breakdown is one change, so the
    promises it moves move once)."""
    if end < start:
        raise ProductionError(f"capacity runs forwards: {end} is before {start}")
    if (end - start).days >= MAX_CALENDAR_DAYS:
        raise ProductionError(f"at most {MAX_CALENDAR_DAYS} days at a time")
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    async with engine.begin() as conn:
        if not await line_records(conn, codes=[code]):
            raise NotFound(f"no line {code}")
        statement = insert(t.line_capacity).values(
            [{"line_code": code, "on": day, "minutes": minutes} for day in days]
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[t.line_capacity.c.line_code, t.line_capacity.c.on],
                set_={"minutes": statement.excluded.minutes, "updated_at": sa.func.now()},
            )
        )
    return [{"line_code": code, "on": day, "minutes": minutes} for day in days]


async def calendar_of(engine: AsyncEngine, code: str, start: date, end: date) -> dict[str, Any]:
    """Each day of ``[start, end]``: working or not, holiday, closure, and its minutes."""
    if end < start:
        raise ProductionError(f"the calendar runs forwards: {end} is before {start}")
    if (end - start).days >= MAX_CALENDAR_DAYS:
        raise ProductionError(f"at most {MAX_CALENDAR_DAYS} days at a time")
    async with engine.connect() as conn:
        found = await load_lines(conn, [code])
    if code not in found:
        raise NotFound(f"no line {code}")
    return {"line_code": code, "days": calendar_days(found[code], start, end)}


def calendar_days(line: Line, start: date, end: date) -> list[dict[str, Any]]:
    """The calendar as the API shows it: one entry per day, overrides marked."""
    calendar = line.calendar
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [
        {
            "on": day,
            "working": calendar.is_working_day(day),
            "holiday": calendar.is_holiday(day),
            "closed": day in calendar.closures,
            "overridden": day in line.capacity_minutes_per_day,
            "minutes": line.capacity_on(day),
        }
        for day in days
    ]


# --- queries -------------------------------------------------------------------------------


async def line_records(
    conn: AsyncConnection, *, codes: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    query = sa.select(t.production_line).order_by(t.production_line.c.code)
    if codes is not None:
        query = query.where(t.production_line.c.code.in_(sorted(set(codes))))
    return [
        {
            **row._asdict(),
            "working_weekdays": sorted(row.working_weekdays),
            "closures": sorted(row.closures),
        }
        for row in await conn.execute(query)
    ]


_CALENDARS = HotStatement(
    sa.select(
        t.production_line.c.code,
        t.production_line.c.country,
        t.production_line.c.subdivision,
        t.production_line.c.working_weekdays,
        t.production_line.c.hours_per_day,
        t.production_line.c.closures,
    )
    .where(any_of(t.production_line.c.code, "codes"))
    .order_by(t.production_line.c.code)
)
_OVERRIDES = HotStatement(
    sa.select(t.line_capacity.c.line_code, t.line_capacity.c.on, t.line_capacity.c.minutes).where(
        any_of(t.line_capacity.c.line_code, "codes")
    )
)


async def load_lines(conn: AsyncConnection, codes: Iterable[str]) -> dict[str, Line]:
    """Lines as the scheduler sees them: calendar plus every capacity override (read on
    every re-plan pass, hence hot statements)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    records = await _CALENDARS.fetch(conn, codes=wanted)
    if not records:
        return {}
    by_line: dict[str, dict[date, int]] = {}
    for o in await _OVERRIDES.fetch(conn, codes=[r.code for r in records]):
        by_line.setdefault(o.line_code, {})[o.on] = o.minutes
    return {
        r.code: Line(
            code=r.code,
            calendar=WorkingCalendar(
                country=r.country,
                subdivision=r.subdivision,
                working_weekdays=frozenset(r.working_weekdays),
                hours_per_day=r.hours_per_day,
                closures=frozenset(r.closures),
            ),
            capacity_minutes_per_day=by_line.get(r.code, {}),
        )
        for r in records
    }


async def line_exists(conn: AsyncConnection, code: str) -> bool:
    found = await conn.scalar(
        sa.select(t.production_line.c.code).where(t.production_line.c.code == code)
    )
    return found is not None
