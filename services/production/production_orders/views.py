"""What the API shows of production orders: each with the order lines it serves, its
materials, holds, shortages, consumption, children and history (the link both ways)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.capacity.line_plan import slots_now
from services.production.capacity.scheduling_rules import Slot
from services.production.production_orders.domain import OPEN
from services.production.production_orders.number_rules import format_number, parse_number
from shared.contracts.production import ProductionStatus
from shared.search import starts_with
from shared.units import Quantity


async def find_production_orders(
    conn: AsyncConnection,
    *,
    order_id: UUID | None = None,
    item_code: str | None = None,
    status: str | None = None,
    ids: Sequence[UUID] | None = None,
    q: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[dict[str, Any]]:
    """Production orders with the order lines they serve, their materials, holds,
    shortages, consumption, children and history: the link navigable both ways."""
    po = t.production_order
    order = (po.c.created_at.desc(), po.c.id.desc()) if newest_first else (po.c.created_at, po.c.id)
    query = sa.select(po).order_by(*order)
    if order_id is not None:
        query = query.where(
            po.c.id.in_(
                sa.select(t.demand.c.production_order_id).where(t.demand.c.order_id == order_id)
            )
        )
    if item_code is not None:
        query = query.where(po.c.item_code == item_code)
    if status is not None:
        query = query.where(po.c.status == status)
    if ids is not None:
        query = query.where(po.c.id.in_(ids))
    if q is not None and q.strip():
        query = query.where(_typed(q))
    if limit is not None:
        query = query.limit(limit)
    query = query.offset(offset)
    heads = (await conn.execute(query)).all()
    if not heads:
        return []
    found = [h.id for h in heads]

    async def rows(table: sa.Table, *order_by: Any) -> dict[UUID, list[dict[str, Any]]]:
        result: dict[UUID, list[dict[str, Any]]] = {}
        selected = await conn.execute(
            sa.select(table).where(table.c.production_order_id.in_(found)).order_by(*order_by)
        )
        for r in selected:
            result.setdefault(r.production_order_id, []).append(dict(r._mapping))
        return result

    demands = await rows(t.demand, t.demand.c.seq)
    materials = await rows(t.material, t.material.c.line_no)
    reserved = await rows(t.reserved_lot, t.reserved_lot.c.item_code, t.reserved_lot.c.lot_code)
    shortages = {
        po_id: [_shortage_out(s) for s in found_shortages]
        for po_id, found_shortages in (await rows(t.shortage, t.shortage.c.item_code)).items()
    }
    consumed = await rows(t.consumption, t.consumption.c.item_code, t.consumption.c.lot_code)
    history = await rows(t.status_history, t.status_history.c.id)
    # Where open orders land on their lines: one schedule for the page, none when all closed.
    any_open = any(ProductionStatus(h.status) in OPEN for h in heads)
    slots = await slots_now(conn, today=datetime.now(UTC).date()) if any_open else {}
    children: dict[UUID, list[dict[str, Any]]] = {}
    for child in await conn.execute(
        sa.select(
            po.c.id,
            po.c.number,
            po.c.item_code,
            po.c.quantity,
            po.c.unit,
            po.c.status,
            po.c.parent_production_order_id,
        )
        .where(po.c.parent_production_order_id.in_(found))
        .order_by(po.c.created_at, po.c.id)
    ):
        children.setdefault(child.parent_production_order_id, []).append(
            {**child._mapping, "number": format_number(child.number)}
        )
    parent_ids = {h.parent_production_order_id for h in heads} - {None}
    parents = {
        r.id: format_number(r.number)
        for r in await conn.execute(sa.select(po.c.id, po.c.number).where(po.c.id.in_(parent_ids)))
    }
    return [
        {
            **h._asdict(),
            "number": format_number(h.number),
            "parent_number": parents.get(h.parent_production_order_id),
            "demands": demands.get(h.id, []),
            "materials": materials.get(h.id, []),
            "reserved_lots": reserved.get(h.id, []),
            "shortages": shortages.get(h.id, []),
            "consumed": consumed.get(h.id, []),
            "children": children.get(h.id, []),
            "history": history.get(h.id, []),
            "slot": _slot_out(slots[h.id]) if h.id in slots else None,
        }
        for h in heads
    ]


def _typed(q: str) -> sa.ColumnElement[bool]:
    """What someone typed: its number (``MO-00042``, ``42``) or the start of its item code."""
    po = t.production_order
    found = starts_with(po.c.item_code, q)
    number = parse_number(q)
    return sa.or_(found, po.c.number == number) if number is not None else found


def _shortage_out(row: dict[str, Any]) -> dict[str, Any]:
    unit = row["unit"]
    return {
        **row,
        **{k: Quantity.of(row[k], unit) for k in ("needed", "available", "missing")},
    }


def _slot_out(slot: Slot) -> dict[str, Any]:
    return {
        "line": slot.line,
        "start_on": slot.start_on,
        "end_on": slot.end_on,
        "minutes_by_day": dict(slot.minutes_by_day),
    }
