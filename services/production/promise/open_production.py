"""The open production as the promise sees it, read from production's own tables.

What each open production order still waits for depends on how far inventory has answered:
held materials (materials reserved, in progress) wait for nothing; a blocked order waits for
the shortages inventory reported; a planned order inventory has not answered yet is exploded
against the lots production has seen — exactly as a quote explodes a line — so a new order's
first promise is the quote's.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import read_models
from services.production import tables as t
from services.production.promise import open_production_rules as rules
from services.production.promise.plan_rules import OpenProduction, Shortfall
from services.production.promise.quote_rules import production_minutes
from services.production.purchasing import open_orders
from services.production.recipes import recipe_book, recipe_rules
from shared.contracts.production import ProductionStatus
from shared.hot_sql import HotStatement, any_of
from shared.units import Quantity

S = ProductionStatus
OPEN = (S.PLANNED, S.MATERIALS_RESERVED, S.BLOCKED_ON_MATERIALS, S.IN_PROGRESS)


def _open_orders() -> HotStatement:
    po, r = t.production_order, t.recipe
    return HotStatement(
        sa.select(
            po.c.id,
            po.c.item_code,
            po.c.quantity,
            po.c.unit,
            po.c.status,
            po.c.batches,
            po.c.parent_production_order_id,
            r.c.version,
            r.c.batch_size,
            r.c.unit.label("recipe_unit"),
            r.c.expected_yield,
            r.c.whole_batches,
            r.c.duration_minutes,
            r.c.line_code,
            r.c.setup_minutes,
            r.c.minutes_per_batch,
        )
        .outerjoin(r, sa.and_(r.c.item_code == po.c.item_code, r.c.version == po.c.recipe_version))
        .where(any_of(po.c.status, "statuses"))
        .order_by(po.c.created_at, po.c.id)
    )


_OPEN_ORDERS = _open_orders()


async def open_productions(conn: AsyncConnection) -> list[OpenProduction]:
    """Every open production order, first come first served (creation order, then id)."""
    rows = await _OPEN_ORDERS.fetch(conn, statuses=[s.value for s in OPEN])
    if not rows:
        return []
    ids = [row.id for row in rows]
    serves = await _served_orders(conn, ids)
    recorded = await _recorded_shortfalls(conn, ids)
    planned = [row for row in rows if S(row.status) is S.PLANNED]
    explained = await _exploded_shortfalls(conn, planned)
    arrivals = await open_orders.open_by_item(conn)
    found: list[OpenProduction] = []
    for queued, row in enumerate(rows):
        shortfalls = rules.waits_for(S(row.status), row.id, exploded=explained, recorded=recorded)
        recipe = _recipe(row)
        found.append(
            OpenProduction(
                production_order_id=row.id,
                item_code=row.item_code,
                queued=queued,
                line=None if recipe is None else recipe.line_code,
                duration_minutes=0
                if recipe is None
                else production_minutes(recipe, row.batches or Decimal(0)),
                shortfalls=tuple(rules.with_purchase_order(s, arrivals) for s in shortfalls),
                parent_id=row.parent_production_order_id,
                serves=serves.get(row.id, frozenset()),
            )
        )
    return found


def _recipe(row: Any) -> recipe_rules.Recipe | None:
    if row.version is None:
        return None
    return recipe_rules.Recipe(
        item_code=row.item_code,
        version=row.version,
        batch_size=row.batch_size,
        unit=row.recipe_unit,
        expected_yield=row.expected_yield,
        whole_batches=row.whole_batches,
        lines=(),  # the duration needs no materials
        duration_minutes=row.duration_minutes,
        line_code=row.line_code,
        setup_minutes=row.setup_minutes,
        minutes_per_batch=row.minutes_per_batch,
    )


_SERVED_ORDERS = HotStatement(
    sa.select(t.demand.c.production_order_id, t.demand.c.order_id).where(
        any_of(t.demand.c.production_order_id, "ids")
    )
)
_RECORDED_SHORTFALLS = HotStatement(
    sa.select(
        t.shortage.c.production_order_id,
        t.shortage.c.item_code,
        t.shortage.c.lead_time_days,
        t.shortage.c.missing,
        t.shortage.c.unit,
    )
    .where(any_of(t.shortage.c.production_order_id, "ids"))
    .order_by(t.shortage.c.production_order_id, t.shortage.c.item_code)
)


async def _served_orders(conn: AsyncConnection, ids: Iterable[UUID]) -> dict[UUID, frozenset[UUID]]:
    rows = await _SERVED_ORDERS.fetch(conn, ids=list(ids))
    found: dict[UUID, set[UUID]] = {}
    for row in rows:
        found.setdefault(row.production_order_id, set()).add(row.order_id)
    return {k: frozenset(v) for k, v in found.items()}


async def _recorded_shortfalls(
    conn: AsyncConnection, ids: Iterable[UUID]
) -> dict[UUID, tuple[Shortfall, ...]]:
    """What inventory reported short, with the lead time it reported."""
    rows = await _RECORDED_SHORTFALLS.fetch(conn, ids=list(ids))
    found: dict[UUID, list[Shortfall]] = {}
    for row in rows:
        found.setdefault(row.production_order_id, []).append(
            Shortfall(row.item_code, row.lead_time_days, missing=row.missing, unit=row.unit)
        )
    return {k: tuple(v) for k, v in found.items()}


async def _exploded_shortfalls(
    conn: AsyncConnection, planned: list[Any]
) -> dict[UUID, tuple[Shortfall, ...]]:
    """A planned order not answered yet: its recipe exploded against the lots seen, as a
    quote would. Without a recipe the item itself is what it waits for (and has no lead time
    unless it is bought)."""
    if not planned:
        return {}
    items = await read_models.item_infos(conn)
    available = await read_models.available_by_item(
        conn, {code: info.base_unit for code, info in items.items()}
    )
    active = await recipe_book.active_recipes(conn)
    exploded = {
        row.id: rules.unanswered_shorts(
            row.item_code,
            Quantity.of(row.quantity, row.unit),
            items=items,
            recipes=active,
            available=available,
        )
        for row in planned
    }
    lead_times = await read_models.lead_times(
        conn, {code for shorts in exploded.values() for code, _, _ in shorts}
    )
    return {po_id: rules.shortfalls(shorts, lead_times) for po_id, shorts in exploded.items()}
