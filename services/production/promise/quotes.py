"""Capable to promise: the earliest date an order could reach its customer, and why.

A quote reads and never writes: it runs in a READ ONLY transaction, reserves nothing and
publishes nothing. Each line is served from finished stock when the lot read model covers it;
otherwise what is missing is made on its recipe's line, after the short materials arrive
(supplier lead times) and behind the line's open production orders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import read_models
from services.production.capacity import lines
from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.promise.date_rules import (
    LineNeed,
    LinePromise,
    Material,
    OrderPromise,
    Production,
    order_promise,
)
from services.production.promise.open_production import open_productions
from services.production.promise.plan_rules import promise_with_open_production
from services.production.promise.quote_rules import (
    Wanted,
    minutes_on_line,
    missing_after_stock,
    production_minutes,
)
from services.production.purchasing import open_orders
from services.production.purchasing.cover_rules import covering_date
from services.production.recipes import recipe_book, recipe_rules
from services.production.service import ProductionError
from shared.units import Quantity, UnitError, convert

QUOTE_NAMESPACE = uuid5(NAMESPACE_URL, "lotline:production:quote")


@dataclass(frozen=True)
class QuoteLine:
    item_code: str
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class QuoteRequest:
    lines: tuple[QuoteLine, ...]
    handling_days: int = 1
    transit_days: int = 2
    per_line: bool = False


@dataclass(frozen=True)
class Quote:
    today: date
    order: OrderPromise
    lines: Mapping[int, LinePromise]


async def quote(engine: AsyncEngine, request: QuoteRequest, *, today: date) -> Quote:
    """The promise, from what production knows now; ProductionError (422) for a line it
    cannot promise (unknown item, nothing makes it, a short material without a lead time).

    The quoted lines queue behind every open production order, scheduled exactly as the
    re-plan schedules them (``plan_rules``): a real order placed right after gets this date.
    """
    if not request.lines:
        raise ProductionError("a quote needs at least one line")
    async with engine.connect() as conn:
        await conn.execute(sa.text("SET TRANSACTION READ ONLY"))
        productions = await open_productions(conn)
        needs, line_codes = await _needs(conn, request, queued=len(productions))
        line_codes |= {p.line for p in productions if p.line is not None}
        scheduled = await lines.load_lines(conn, line_codes)
        await conn.rollback()
    plan = promise_with_open_production(
        needs,
        [p for p in productions if p.line is None or p.line in scheduled],
        today=today,
        calendar=WorkingCalendar(),
        lines=list(scheduled.values()),
        handling_days=request.handling_days,
        transit_days=request.transit_days,
    )
    return Quote(
        today=today,
        order=order_promise(plan.quoted, per_line=request.per_line),
        lines=plan.quoted,
    )


async def _needs(
    conn: AsyncConnection, request: QuoteRequest, *, queued: int
) -> tuple[list[LineNeed], set[str]]:
    """Each line's need: stock, or the materials and production that would bring it."""
    items = await read_models.item_infos(conn)
    available = await read_models.available_by_item(
        conn, {code: info.base_unit for code, info in items.items()}
    )
    wanted = [_wanted(no, ln, items) for no, ln in enumerate(request.lines, start=1)]
    missing = missing_after_stock(wanted, available)
    active = await recipe_book.active_recipes(conn)
    needs: list[LineNeed] = []
    line_codes: set[str] = set()
    for want in wanted:
        short = missing[want.line_no]
        if not short:
            needs.append(_need(request, want.line_no, in_stock=True))
            continue
        recipe = _active_recipe(active, want.item_code)
        base = Quantity(value=short, unit=items[want.item_code].base_unit)
        explosion = recipe_rules.explode(
            want.item_code, base, items=items, recipes=active, available=available
        )
        materials = await _materials(conn, explosion.shortages)
        if recipe.line_code is None:
            # Production that books no line takes no capacity, exactly as the re-plan
            # treats it (plan_rules.promise_with_open_production): only materials wait.
            needs.append(_need(request, want.line_no, in_stock=not materials, materials=materials))
            continue
        line_codes.add(str(recipe.line_code))
        [top] = [p for p in explosion.productions if p.item_code == want.item_code]
        production = Production(
            production_order_id=uuid5(QUOTE_NAMESPACE, str(want.line_no)),
            line=str(recipe.line_code),
            duration_minutes=minutes_on_line(production_minutes(recipe, top.batches)),
            priority=queued,  # after every open production order
        )
        needs.append(
            _need(request, want.line_no, in_stock=False, materials=materials, production=production)
        )
    return needs, line_codes


def _need(
    request: QuoteRequest,
    line_no: int,
    *,
    in_stock: bool,
    materials: tuple[Material, ...] = (),
    production: Production | None = None,
) -> LineNeed:
    return LineNeed(
        line_no=line_no,
        in_stock=in_stock,
        handling_days=request.handling_days,
        transit_days=request.transit_days,
        materials=materials,
        production=production,
    )


def _wanted(line_no: int, line: QuoteLine, items: Mapping[str, recipe_rules.ItemInfo]) -> Wanted:
    info = items.get(line.item_code)
    if info is None:
        raise ProductionError(f"line {line_no}: {line.item_code} is unknown")
    if line.quantity <= 0:
        raise ProductionError(f"line {line_no}: quantity must be positive")
    try:
        base = convert(Quantity.of(line.quantity, line.unit), info.base_unit)
    except UnitError as error:
        raise ProductionError(f"line {line_no}: {error}") from error
    return Wanted(line_no=line_no, item_code=line.item_code, quantity=base.value)


def _active_recipe(
    active: Mapping[str, recipe_rules.Recipe], item_code: str
) -> recipe_rules.Recipe:
    recipe = active.get(item_code)
    if recipe is None:
        raise ProductionError(f"{item_code} is not in stock and has no active recipe")
    return recipe


async def _materials(
    conn: AsyncConnection, shortages: Sequence[recipe_rules.MaterialNeed]
) -> tuple[Material, ...]:
    """Short materials arrive after their supplier's lead time, or with the open purchase
    orders that cover them (the earlier)."""
    rows = await read_models.items(conn, [m.item_code for m in shortages])
    arrivals = await open_orders.open_by_item(conn)
    found: list[Material] = []
    for need in shortages:
        lead_time = rows[need.item_code].lead_time_days
        expected = covering_date(need.short.value, arrivals.get(need.item_code, ()))
        if lead_time is None and expected is None:
            raise ProductionError(
                f"material {need.item_code} is short and its supplier has no lead time"
            )
        found.append(
            Material(item_code=need.item_code, lead_time_days=lead_time, expected_on=expected)
        )
    return tuple(found)


def as_answer(quote: Quote, request: QuoteRequest) -> dict[str, Any]:
    """The API's shape: the order's date and dominant step, then each line's steps and slot."""
    order = quote.order
    return {
        "as_of": quote.today,
        "promised_on": order.promised_on,
        "dominant": order.dominant,
        "dominant_line": order.dominant_line,
        "lines": [
            {
                "line_no": no,
                "item_code": request.lines[no - 1].item_code,
                "promised_on": order.line_dates[no],
                "ready_on": promise.promised_on,
                "dominant": promise.dominant,
                "breakdown": [vars(term) for term in promise.breakdown],
                "slot": None
                if promise.slot is None
                else {
                    "line": promise.slot.line,
                    "start_on": promise.slot.start_on,
                    "end_on": promise.slot.end_on,
                    "minutes_by_day": dict(promise.slot.minutes_by_day),
                },
            }
            for no, promise in sorted(quote.lines.items())
        ],
    }
