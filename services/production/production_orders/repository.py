"""Production order queries: rows in, domain objects out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.production_orders import domain
from services.production.production_orders.number_rules import format_number
from shared import gathered_rows
from shared.contracts.inventory import (
    MaterialLot,
    MaterialNeed,
    MaterialShortage,
)
from shared.contracts.production import Demand, ProductionOrderStatusChanged, ProductionStatus
from shared.hot_sql import HotStatement, any_of, bound
from shared.units import Money, Quantity, convert


def _demand_rows(production_order_id: UUID, demands: Sequence[Demand]) -> list[dict[str, Any]]:
    return [
        {
            "production_order_id": production_order_id,
            "order_id": d.order_id,
            "line_no": d.line_no,
            "quantity": d.quantity.value,
            "unit": d.quantity.unit,
        }
        for d in demands
    ]


# A new production order, planned from a shortage for one order in ten under load: its
# statements are compiled once (``shared.hot_sql``).
_INSERT_ORDER = HotStatement(
    insert(t.production_order)
    .values(
        bound(
            "id",
            "item_code",
            "quantity",
            "unit",
            "status",
            "reason",
            "recipe_version",
            "batches",
            "parent_production_order_id",
        )
    )
    .on_conflict_do_nothing()
    .returning(t.production_order.c.number)
)
_INSERT_DEMAND = HotStatement(
    t.demand.insert().values(
        bound("production_order_id", "order_id", "line_no", "quantity", "unit")
    )
)
_INSERT_MATERIAL = HotStatement(
    t.material.insert().values(
        bound("production_order_id", "line_no", "item_code", "quantity", "unit")
    )
)
_INSERT_FIRST_STATUS = HotStatement(
    t.status_history.insert().values(
        {**bound("production_order_id", "status", "reason"), "previous": None}
    )
)


async def insert_production_order(
    conn: AsyncConnection, new: domain.NewProductionOrder
) -> domain.NewProductionOrder | None:
    """Insert once per id (deterministic ids make a redelivered cause a no-op): the order
    with the number the database gave it, None when it was there already."""
    order = new.order
    created = await _INSERT_ORDER.fetchrow(
        conn,
        id=order.id,
        item_code=order.item_code,
        quantity=order.quantity.value,
        unit=order.quantity.unit,
        status=order.status.value,
        reason=new.reason,
        recipe_version=order.recipe_version,
        batches=new.plan.batches,
        parent_production_order_id=order.parent_id,
    )
    if created is None:
        return None
    # demands in their order: their ``seq`` is the order completion allocates in
    await _INSERT_DEMAND.execute_many(conn, _demand_rows(order.id, order.demands))
    # a new order has no materials yet: nothing to replace
    await _INSERT_MATERIAL.execute_many(conn, _material_rows(order.id, new.plan.materials))
    await gathered_rows.insert(  # after any history row of the batch kept before it
        conn,
        _INSERT_FIRST_STATUS,
        {"production_order_id": order.id, "status": order.status.value, "reason": new.reason},
    )
    return new.numbered(format_number(created.number))


# Every answer from inventory and every change of plan locks its production orders and
# reads their demands: two statements compiled once (no SQLAlchemy compile per call; issue
# 14). Two, not one: the demands are read after the locks are held, so with a snapshot
# that sees what a rival holding them committed (READ COMMITTED takes one per statement).
_LOCK_ORDERS = HotStatement(
    sa.select(
        t.production_order.c.id,
        t.production_order.c.item_code,
        t.production_order.c.quantity,
        t.production_order.c.unit,
        t.production_order.c.status,
        t.production_order.c.parent_production_order_id,
        t.production_order.c.recipe_version,
        t.production_order.c.number,
        t.production_order.c.created_at,
    )
    .where(any_of(t.production_order.c.id, "ids"))
    .order_by(t.production_order.c.id)
    .with_for_update()
)
_DEMANDS_OF = HotStatement(
    sa.select(
        t.demand.c.production_order_id,
        t.demand.c.order_id,
        t.demand.c.line_no,
        t.demand.c.quantity,
        t.demand.c.unit,
    )
    .where(any_of(t.demand.c.production_order_id, "ids"))
    .order_by(t.demand.c.seq)
)


async def _demands_of(conn: AsyncConnection, ids: Sequence[UUID]) -> dict[UUID, list[Demand]]:
    result: dict[UUID, list[Demand]] = {}
    for r in await _DEMANDS_OF.fetch(conn, ids=ids):
        result.setdefault(r.production_order_id, []).append(
            Demand(order_id=r.order_id, line_no=r.line_no, quantity=Quantity.of(r.quantity, r.unit))
        )
    return result


async def orders_for_update(
    conn: AsyncConnection, ids: Iterable[UUID]
) -> list[domain.ProductionOrder]:
    """Lock the production orders in id order (rival actions never deadlock); returned
    oldest first, the order in which their customers asked."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    heads = await _LOCK_ORDERS.fetch(conn, ids=wanted)
    if not heads:
        return []
    demands = await _demands_of(conn, [h.id for h in heads])
    heads = sorted(heads, key=lambda h: (h.created_at, h.id))
    return [
        domain.ProductionOrder(
            id=h.id,
            item_code=h.item_code,
            quantity=Quantity.of(h.quantity, h.unit),
            status=ProductionStatus(h.status),
            demands=tuple(demands.get(h.id, ())),
            parent_id=h.parent_production_order_id,
            recipe_version=h.recipe_version,
            number=format_number(h.number),
        )
        for h in heads
    ]


async def order_for_update(
    conn: AsyncConnection, production_order_id: UUID
) -> domain.ProductionOrder | None:
    found = await orders_for_update(conn, [production_order_id])
    return found[0] if found else None


async def open_orders_serving(conn: AsyncConnection, order_id: UUID) -> list[UUID]:
    rows = await conn.execute(
        sa.select(t.production_order.c.id)
        .where(
            t.production_order.c.id.in_(
                sa.select(t.demand.c.production_order_id).where(t.demand.c.order_id == order_id)
            ),
            t.production_order.c.status.in_([s.value for s in domain.OPEN]),
        )
        .order_by(t.production_order.c.id)
    )
    return [r.id for r in rows]


async def children_ids(conn: AsyncConnection, parent_id: UUID) -> list[UUID]:
    rows = await conn.execute(
        sa.select(t.production_order.c.id)
        .where(t.production_order.c.parent_production_order_id == parent_id)
        .order_by(t.production_order.c.id)
    )
    return [r.id for r in rows]


async def children_by_item(conn: AsyncConnection, parent_id: UUID) -> list[tuple[str, str]]:
    """(item code, status) of every child made for ``parent_id``."""
    rows = await conn.execute(
        sa.select(t.production_order.c.item_code, t.production_order.c.status).where(
            t.production_order.c.parent_production_order_id == parent_id
        )
    )
    return [(r.item_code, r.status) for r in rows]


_SET_STATUS = HotStatement(
    t.production_order.update()
    .where(t.production_order.c.id == sa.bindparam("production_order_id"))
    .values(status=sa.bindparam("status"), reason=sa.bindparam("reason"), updated_at=sa.func.now())
)
_INSERT_STATUS = HotStatement(
    t.status_history.insert().values(bound("production_order_id", "previous", "status", "reason"))
)


async def record_status(conn: AsyncConnection, change: ProductionOrderStatusChanged) -> None:
    """The new status, its reason, and a history row (the production order's audit trail;
    nothing reads it in a consumer's transaction, so a batch writes its rows together)."""
    await _SET_STATUS.execute(
        conn,
        production_order_id=change.production_order_id,
        status=change.status.value,
        reason=change.reason,
    )
    await gathered_rows.insert(
        conn,
        _INSERT_STATUS,
        {
            "production_order_id": change.production_order_id,
            "previous": change.previous.value if change.previous else None,
            "status": change.status.value,
            "reason": change.reason,
        },
    )


async def save_plan(
    conn: AsyncConnection, order: domain.ProductionOrder, the_plan: domain.Plan
) -> None:
    """A re-planned order: its demands, quantity, recipe version and requested materials."""
    await conn.execute(
        t.production_order.update()
        .where(t.production_order.c.id == order.id)
        .values(
            quantity=order.quantity.value,
            unit=order.quantity.unit,
            recipe_version=order.recipe_version,
            batches=the_plan.batches,
            reason=the_plan.reason,
            updated_at=sa.func.now(),
        )
    )
    await replace_demands(conn, order)
    await replace_materials(conn, order.id, the_plan.materials)
    await replace_answer(conn, order.id)


async def replace_demands(conn: AsyncConnection, order: domain.ProductionOrder) -> None:
    """Keep the rows (and their creation order) of lines still served; add the new ones."""
    keep = {(d.order_id, d.line_no): d for d in order.demands}
    existing = await conn.execute(
        sa.select(t.demand.c.order_id, t.demand.c.line_no).where(
            t.demand.c.production_order_id == order.id
        )
    )
    present = {(r.order_id, r.line_no) for r in existing}
    for order_id, line_no in present - set(keep):
        await conn.execute(
            t.demand.delete().where(
                t.demand.c.production_order_id == order.id,
                t.demand.c.order_id == order_id,
                t.demand.c.line_no == line_no,
            )
        )
    for key in present & set(keep):
        d = keep[key]
        await conn.execute(
            t.demand.update()
            .where(
                t.demand.c.production_order_id == order.id,
                t.demand.c.order_id == d.order_id,
                t.demand.c.line_no == d.line_no,
            )
            .values(quantity=d.quantity.value, unit=d.quantity.unit)
        )
    added = [d for d in order.demands if (d.order_id, d.line_no) not in present]
    if added:
        await conn.execute(t.demand.insert(), _demand_rows(order.id, added))


async def replace_materials(
    conn: AsyncConnection, production_order_id: UUID, materials: Sequence[MaterialNeed]
) -> None:
    await conn.execute(
        t.material.delete().where(t.material.c.production_order_id == production_order_id)
    )
    if materials:
        await conn.execute(t.material.insert(), _material_rows(production_order_id, materials))


def _material_rows(
    production_order_id: UUID, materials: Sequence[MaterialNeed]
) -> list[dict[str, Any]]:
    return [
        {
            "production_order_id": production_order_id,
            "line_no": no,
            "item_code": m.item_code,
            "quantity": m.quantity.value,
            "unit": m.quantity.unit,
        }
        for no, m in enumerate(materials, start=1)
    ]


async def reserved_lots(conn: AsyncConnection, production_order_id: UUID) -> list[MaterialLot]:
    rows = await conn.execute(
        sa.select(t.reserved_lot)
        .where(t.reserved_lot.c.production_order_id == production_order_id)
        .order_by(
            t.reserved_lot.c.item_code, t.reserved_lot.c.expires_on, t.reserved_lot.c.lot_code
        )
    )
    return [
        MaterialLot(
            item_code=r.item_code,
            lot_code=r.lot_code,
            quantity=Quantity.of(r.quantity, r.unit),
            expires_on=r.expires_on,
        )
        for r in rows
    ]


# Inventory's answer replaces both the lots held for a production order and its shortages
# (one of them empty): both cleared in one statement, the new rows written pipelined, all
# compiled once (one answer per production order under load; issue 14).
_PO = sa.bindparam("production_order_id", type_=t.reserved_lot.c.production_order_id.type)
_CLEAR_ANSWER = HotStatement(
    t.reserved_lot.delete()
    .where(t.reserved_lot.c.production_order_id == _PO)
    .add_cte(
        t.shortage.delete().where(t.shortage.c.production_order_id == _PO).cte("cleared_shortages")
    )
)
_INSERT_RESERVED_LOT = HotStatement(
    t.reserved_lot.insert().values(
        bound("production_order_id", "lot_code", "item_code", "quantity", "unit", "expires_on")
    )
)
_INSERT_SHORTAGE = HotStatement(
    t.shortage.insert().values(
        bound(
            "production_order_id",
            "item_code",
            "needed",
            "available",
            "missing",
            "unit",
            "supplier",
            "lead_time_days",
        )
    )
)


async def replace_answer(
    conn: AsyncConnection,
    production_order_id: UUID,
    *,
    lots: Sequence[MaterialLot] = (),
    shortages: Sequence[MaterialShortage] = (),
) -> None:
    """The lots held for the order and its shortages, as inventory's latest answer says
    (a re-plan clears both: nothing is asked of inventory yet)."""
    await _CLEAR_ANSWER.execute(conn, production_order_id=production_order_id)
    await _INSERT_RESERVED_LOT.execute_many(conn, _lot_rows(production_order_id, lots))
    await _INSERT_SHORTAGE.execute_many(conn, _shortage_rows(production_order_id, shortages))


def _lot_rows(production_order_id: UUID, lots: Sequence[MaterialLot]) -> list[dict[str, Any]]:
    """One row per lot (a lot held twice for one order counts once, its quantities summed)."""
    merged: dict[str, MaterialLot] = {}
    for lot in lots:
        known = merged.get(lot.lot_code)
        merged[lot.lot_code] = (
            lot
            if known is None
            else known.model_copy(update={"quantity": known.quantity + lot.quantity})
        )
    return [
        {
            "production_order_id": production_order_id,
            "lot_code": lot.lot_code,
            "item_code": lot.item_code,
            "quantity": lot.quantity.value,
            "unit": lot.quantity.unit,
            "expires_on": lot.expires_on,
        }
        for lot in merged.values()
    ]


def _shortage_rows(
    production_order_id: UUID, shortages: Sequence[MaterialShortage]
) -> list[dict[str, Any]]:
    return [
        {
            "production_order_id": production_order_id,
            "item_code": s.item_code,
            "needed": s.needed.value,
            "available": convert(s.available, s.needed.unit).value,
            "missing": convert(s.missing, s.needed.unit).value,
            "unit": s.needed.unit,
            "supplier": s.supplier,
            "lead_time_days": s.lead_time_days,
        }
        for s in shortages
    ]


async def save_completion(
    conn: AsyncConnection,
    production_order_id: UUID,
    *,
    output: Quantity | None,
    output_lot_code: str | None,
    produced_on: date | None,
    expires_on: date | None,
    consumed: Sequence[MaterialLot],
    run_minutes: int | None = None,
) -> None:
    """What the operator recorded (or, with ``output=None``, forget it: inventory refused)."""
    await conn.execute(
        t.production_order.update()
        .where(t.production_order.c.id == production_order_id)
        .values(
            output_quantity=output.value if output else None,
            output_unit=output.unit if output else None,
            output_lot_code=output_lot_code,
            output_recorded_at=None,
            produced_on=produced_on,
            expires_on=expires_on,
            run_minutes=run_minutes,
            updated_at=sa.func.now(),
        )
    )
    await conn.execute(
        t.consumption.delete().where(t.consumption.c.production_order_id == production_order_id)
    )
    if consumed:
        await conn.execute(
            t.consumption.insert(),
            [
                {
                    "production_order_id": production_order_id,
                    "lot_code": c.lot_code,
                    "item_code": c.item_code,
                    "quantity": c.quantity.value,
                    "unit": c.quantity.unit,
                    "expires_on": c.expires_on,
                }
                for c in consumed
            ],
        )


async def set_output_lot(
    conn: AsyncConnection, production_order_id: UUID, *, lot_code: str, output: Quantity
) -> None:
    await conn.execute(
        t.production_order.update()
        .where(t.production_order.c.id == production_order_id)
        .values(
            output_lot_code=lot_code,
            output_quantity=output.value,
            output_unit=output.unit,
            output_recorded_at=sa.func.now(),
            updated_at=sa.func.now(),
        )
    )


async def remember_cancelled(conn: AsyncConnection, order_id: UUID) -> None:
    """A cancellation may overtake the shortage that would plan for the order."""
    await conn.execute(insert(t.cancelled_order).values(order_id=order_id).on_conflict_do_nothing())


_IS_CANCELLED = HotStatement(
    sa.select(t.cancelled_order.c.order_id).where(
        t.cancelled_order.c.order_id == sa.bindparam("order_id")
    )
)


async def is_cancelled(conn: AsyncConnection, order_id: UUID) -> bool:
    return await _IS_CANCELLED.fetchrow(conn, order_id=order_id) is not None


async def line_rate(
    conn: AsyncConnection, item_code: str, recipe_version: int | None
) -> Money | None:
    """Labour and overhead per minute of the line the order's recipe runs on (None: the
    recipe names no line, or the order has no recipe)."""
    if recipe_version is None:
        return None
    row = (
        await conn.execute(
            sa.select(t.production_line.c.cost_per_minute, t.production_line.c.cost_currency)
            .select_from(
                t.recipe.join(t.production_line, t.production_line.c.code == t.recipe.c.line_code)
            )
            .where(t.recipe.c.item_code == item_code, t.recipe.c.version == recipe_version)
        )
    ).first()
    if row is None:
        return None
    return Money(amount=row.cost_per_minute, currency=row.cost_currency)
