"""Lots and their ledger (inventory_lot, inventory_movement): rows in, domain objects out.

The other aggregates have their own repositories: ``item_repository``,
``reservation_repository`` (customer orders), ``material_repository`` (production's holds).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory import tables as t
from services.inventory.reservations.domain import (
    Lot,
    LotFigures,
    StockFigures,
    lot_status,
    stock_figures,
)
from services.inventory.stock.stock_entry_rules import StockEntry
from shared import search
from shared.contracts.inventory import LotChanged
from shared.hot_sql import HotStatement, any_of
from shared.units import Money, Quantity

_LOTS_FOR_UPDATE = HotStatement(
    sa.select(t.lot)
    .where(
        any_of(t.lot.c.item_code, "item_codes"),
        t.lot.c.on_hand > t.lot.c.reserved,
        t.lot.c.blocked_by_recall.is_(None),
        sa.or_(t.lot.c.expires_on.is_(None), t.lot.c.expires_on >= sa.func.current_date()),
        sa.not_(t.lot.c.quarantined),
    )
    .order_by(t.lot.c.id)
    .with_for_update()
)


async def lots_for_update(conn: AsyncConnection, *, item_codes: Sequence[str]) -> list[Lot]:
    """Lock the items' lots with stock left, in id order so rival reservations never deadlock.
    Expired lots and lots blocked by a recall are never reserved or held."""
    rows = await _LOTS_FOR_UPDATE.fetch(conn, item_codes=sorted(set(item_codes)))
    return [_lot(r) for r in rows]


async def insert_lot(conn: AsyncConnection, values: dict[str, Any]) -> int | None:
    result = await conn.execute(
        insert(t.lot).values(**values).on_conflict_do_nothing().returning(t.lot.c.id)
    )
    row = result.first()
    return None if row is None else int(row.id)


async def insert_entry(conn: AsyncConnection, entry: StockEntry) -> int | None:
    """Write a new lot with its opening movement (``stock_entry_rules``); None when a lot of
    that code exists already, and then nothing is written."""
    unit_cost, labour, cost = entry.unit_cost, entry.labour_cost, entry.cost
    lot_id = await insert_lot(
        conn,
        {
            "lot_code": entry.lot_code,
            "item_code": entry.item_code,
            "unit": entry.quantity.unit,
            "on_hand": entry.quantity.value,
            "expires_on": entry.expires_on,
            "received_on": entry.received_on,
            "supplier": entry.supplier,
            "supplier_lot_code": entry.supplier_lot_code,
            "cost": cost.amount if cost else None,
            "cost_currency": cost.currency if cost else None,
            "unit_cost": unit_cost.amount if unit_cost else None,
            "unit_cost_currency": unit_cost.currency if unit_cost else None,
            "labour_cost": labour.amount if labour else None,
            "labour_currency": labour.currency if labour else None,
            "production_order_id": entry.production_order_id,
            "quarantined": entry.quarantined,
        },
    )
    if lot_id is not None and entry.opening is not None:
        opening = entry.opening
        await add_movement(
            conn,
            lot_id=lot_id,
            kind=opening.kind,
            quantity=opening.quantity,
            reference=opening.reference,
        )
    return lot_id


async def count_lots_with_prefix(conn: AsyncConnection, prefix: str) -> int:
    """How many lot codes start with ``prefix`` (numbering a day's receipts of an item)."""
    count = await conn.scalar(
        sa.select(sa.func.count())
        .select_from(t.lot)
        .where(t.lot.c.lot_code.startswith(prefix, autoescape=True))
    )
    return int(count or 0)


async def add_movement(
    conn: AsyncConnection, *, lot_id: int, kind: str, quantity: Any, reference: str | None
) -> None:
    await conn.execute(
        t.movement.insert().values(lot_id=lot_id, kind=kind, quantity=quantity, reference=reference)
    )


async def list_lots(
    conn: AsyncConnection,
    *,
    item_code: str | None,
    blocked: bool | None = None,
    limit: int | None = None,
    offset: int = 0,
    q: str | None = None,
) -> Sequence[Any]:
    query = sa.select(t.lot).order_by(t.lot.c.id).limit(limit).offset(offset)
    if q is not None and q.strip():  # the start of our lot code or of the supplier's
        query = query.where(
            sa.or_(
                search.starts_with(t.lot.c.lot_code, q),
                search.starts_with(t.lot.c.supplier_lot_code, q),
            )
        )
    if item_code is not None:
        query = query.where(t.lot.c.item_code == item_code)
    if blocked is not None:
        reason = t.lot.c.blocked_reason
        query = query.where(reason.is_not(None) if blocked else reason.is_(None))
    return (await conn.execute(query)).all()


async def stock_by_item(
    conn: AsyncConnection,
    *,
    item_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[tuple[Any, StockFigures]]:
    """A page of items with their stock figures; which lots count is ``domain``'s rule."""
    query = sa.select(t.item.c.code, t.item.c.base_unit).order_by(t.item.c.code)
    if item_code is not None:
        query = query.where(t.item.c.code == item_code)
    items = (await conn.execute(query.limit(limit).offset(offset))).all()
    figures = await lot_figures(conn, [r.code for r in items])
    return [(r, stock_figures(figures.get(r.code, []))) for r in items]


async def lot_figures(
    conn: AsyncConnection, item_codes: Sequence[str]
) -> dict[str, list[LotFigures]]:
    """The items' lot quantities summed per blocked/quarantined state, for ``stock_figures``."""
    if not item_codes:
        return {}
    blocked = t.lot.c.blocked_by_recall.is_not(None).label("blocked")
    rows = await conn.execute(
        sa.select(
            t.lot.c.item_code,
            blocked,
            t.lot.c.quarantined,
            sa.func.sum(t.lot.c.on_hand).label("on_hand"),
            sa.func.sum(t.lot.c.reserved).label("reserved"),
        )
        .where(t.lot.c.item_code.in_(sorted(set(item_codes))))
        .group_by(t.lot.c.item_code, blocked, t.lot.c.quarantined)
    )
    result: dict[str, list[LotFigures]] = {}
    for r in rows:
        status = lot_status(blocked=r.blocked, quarantined=r.quarantined)
        result.setdefault(r.item_code, []).append(LotFigures(status, r.on_hand, r.reserved))
    return result


async def ledger_mismatches(conn: AsyncConnection) -> Sequence[Any]:
    """Lots whose on-hand differs from the sum of their movements (invariant 3)."""
    moved = (
        sa.select(t.movement.c.lot_id, sa.func.sum(t.movement.c.quantity).label("total"))
        .group_by(t.movement.c.lot_id)
        .subquery()
    )
    return (
        await conn.execute(
            sa.select(t.lot.c.lot_code, t.lot.c.on_hand, moved.c.total)
            .select_from(t.lot.outerjoin(moved, moved.c.lot_id == t.lot.c.id))
            .where(t.lot.c.on_hand != sa.func.coalesce(moved.c.total, 0))
        )
    ).all()


def _lot(r: Any) -> Lot:
    return Lot(
        id=r.id,
        lot_code=r.lot_code,
        item_code=r.item_code,
        unit=r.unit,
        on_hand=r.on_hand,
        reserved=r.reserved,
        expires_on=r.expires_on,
        produced_on=r.received_on,
        blocked=r.blocked_by_recall is not None,
        quarantined=r.quarantined,
        unit_cost=None
        if r.unit_cost is None
        else Money(amount=r.unit_cost, currency=r.unit_cost_currency),
    )


async def lots_by_code_for_update(conn: AsyncConnection, codes: Sequence[str]) -> dict[str, Lot]:
    rows = await conn.execute(
        sa.select(t.lot)
        .where(t.lot.c.lot_code.in_(sorted(set(codes))))
        .order_by(t.lot.c.id)
        .with_for_update()
    )
    return {r.lot_code: _lot(r) for r in rows}


_BUMP = HotStatement(
    t.lot.update()
    .where(any_of(t.lot.c.id, "ids"))
    .values(revision=t.lot.c.revision + 1)
    .returning(t.lot)
)


async def bump_lots(conn: AsyncConnection, lot_ids: Sequence[int]) -> list[LotChanged]:
    """Count a change on each lot and return its snapshot for other services' read models."""
    return list((await bump_lots_by_id(conn, lot_ids)).values())


async def bump_lots_by_id(conn: AsyncConnection, lot_ids: Sequence[int]) -> dict[int, LotChanged]:
    """``bump_lots``, each snapshot under its lot's id, in id order; a lot id that names no
    lot (any more) has none."""
    if not lot_ids:
        return {}
    rows = await _BUMP.fetch(conn, ids=sorted(set(lot_ids)))
    return {
        r.id: LotChanged(
            lot_code=r.lot_code,
            item_code=r.item_code,
            on_hand=Quantity.of(r.on_hand, r.unit),
            reserved=Quantity.of(r.reserved, r.unit),
            expires_on=r.expires_on,
            revision=r.revision,
            status=lot_status(blocked=r.blocked_by_recall is not None, quarantined=r.quarantined),
        )
        for r in sorted(rows, key=lambda r: r.id)
    }


_CHANGE_RESERVED = HotStatement(
    t.lot.update()
    .where(t.lot.c.id == sa.bindparam("id"))
    .values(reserved=t.lot.c.reserved + sa.bindparam("delta", type_=t.lot.c.reserved.type))
)


async def change_reserved(conn: AsyncConnection, lot_id: int, delta: Decimal) -> None:
    await _CHANGE_RESERVED.execute(conn, id=lot_id, delta=delta)


def reserved_added(per_lot: sa.Subquery, name: str = "reserved_lots") -> sa.CTE:
    """The UPDATE adding ``per_lot.quantity`` to the reserved quantity of lot
    ``per_lot.lot_id``, as a CTE a larger statement runs with its inserts (one round trip
    instead of one per lot). ``per_lot`` has one row per lot (an UPDATE applies one row of
    its FROM to each lot); its lots are already locked by the caller (``lots_for_update``),
    in id order, so the update takes no new lock. ``lot_never_oversold`` still checks."""
    return (
        t.lot.update()
        .where(t.lot.c.id == per_lot.c.lot_id)
        .values(reserved=t.lot.c.reserved + per_lot.c.quantity)
        .cte(name)
    )


async def change_on_hand(
    conn: AsyncConnection, lot_id: int, delta: Decimal, *, kind: str, reference: str
) -> None:
    """Every on-hand change is a ledger movement (invariant 3)."""
    await conn.execute(
        t.lot.update().where(t.lot.c.id == lot_id).values(on_hand=t.lot.c.on_hand + delta)
    )
    await add_movement(conn, lot_id=lot_id, kind=kind, quantity=delta, reference=reference)


async def items_of_lots(conn: AsyncConnection, lot_ids: Sequence[int]) -> list[str]:
    if not lot_ids:
        return []
    rows = await conn.execute(
        sa.select(t.lot.c.item_code).where(t.lot.c.id.in_(sorted(set(lot_ids)))).distinct()
    )
    return sorted(r.item_code for r in rows)


async def block_lots(
    conn: AsyncConnection, lot_ids: Sequence[int], *, recall_id: UUID, reason: str
) -> list[int]:
    """Block the lots not blocked yet; the ids of those that changed."""
    if not lot_ids:
        return []
    rows = await conn.execute(
        t.lot.update()
        .where(t.lot.c.id.in_(sorted(set(lot_ids))), t.lot.c.blocked_by_recall.is_(None))
        .values(blocked_by_recall=recall_id, blocked_reason=reason)
        .returning(t.lot.c.id)
    )
    return sorted(r.id for r in rows)


async def unblock_lots_of(conn: AsyncConnection, recall_id: UUID) -> list[tuple[int, str]]:
    """Unblock the lots ``recall_id`` blocked (a lot another recall blocked first keeps that
    block); their ids and codes."""
    rows = await conn.execute(
        t.lot.update()
        .where(t.lot.c.blocked_by_recall == recall_id)
        .values(blocked_by_recall=None, blocked_reason=None)
        .returning(t.lot.c.id, t.lot.c.lot_code)
    )
    return sorted((r.id, r.lot_code) for r in rows)
