"""Inventory queries: rows in, domain objects out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory import tables as t
from services.inventory.domain import Allocation, Lot


async def lots_for_update(conn: AsyncConnection, *, item_codes: Sequence[str]) -> list[Lot]:
    """Lock the items' lots with stock left, in id order so rival reservations never deadlock."""
    rows = await conn.execute(
        sa.select(t.lot)
        .where(t.lot.c.item_code.in_(sorted(set(item_codes))), t.lot.c.on_hand > t.lot.c.reserved)
        .order_by(t.lot.c.id)
        .with_for_update()
    )
    return [
        Lot(
            id=r.id,
            lot_code=r.lot_code,
            item_code=r.item_code,
            unit=r.unit,
            on_hand=r.on_hand,
            reserved=r.reserved,
            expires_on=r.expires_on,
        )
        for r in rows
    ]


async def claim_order(conn: AsyncConnection, order_id: UUID, *, outcome: str) -> bool:
    """One reservation run per order, whatever the delivery count (natural idempotency)."""
    result = await conn.execute(
        insert(t.order_request)
        .values(order_id=order_id, outcome=outcome)
        .on_conflict_do_nothing()
        .returning(t.order_request.c.order_id)
    )
    return result.first() is not None


async def save_allocations(
    conn: AsyncConnection, order_id: UUID, allocations: Sequence[Allocation]
) -> None:
    if not allocations:
        return
    await conn.execute(
        t.reservation.insert(),
        [
            {"order_id": order_id, "line_no": a.line_no, "lot_id": a.lot.id, "quantity": a.quantity}
            for a in allocations
        ],
    )
    for a in allocations:
        await conn.execute(
            t.lot.update()
            .where(t.lot.c.id == a.lot.id)
            .values(reserved=t.lot.c.reserved + a.quantity)
        )


async def insert_item(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    result = await conn.execute(
        insert(t.item).values(**values).on_conflict_do_nothing().returning(t.item.c.code)
    )
    return result.first() is not None


async def get_item(conn: AsyncConnection, code: str) -> sa.Row[Any] | None:
    return (await conn.execute(sa.select(t.item).where(t.item.c.code == code))).first()


async def list_items(conn: AsyncConnection) -> Sequence[Any]:
    return (await conn.execute(sa.select(t.item).order_by(t.item.c.code))).all()


async def insert_lot(conn: AsyncConnection, values: dict[str, Any]) -> int | None:
    result = await conn.execute(
        insert(t.lot).values(**values).on_conflict_do_nothing().returning(t.lot.c.id)
    )
    row = result.first()
    return None if row is None else int(row.id)


async def add_movement(
    conn: AsyncConnection, *, lot_id: int, kind: str, quantity: Any, reference: str | None
) -> None:
    await conn.execute(
        t.movement.insert().values(lot_id=lot_id, kind=kind, quantity=quantity, reference=reference)
    )


async def list_lots(conn: AsyncConnection, *, item_code: str | None) -> Sequence[Any]:
    query = sa.select(t.lot).order_by(t.lot.c.id)
    if item_code is not None:
        query = query.where(t.lot.c.item_code == item_code)
    return (await conn.execute(query)).all()


async def reservations_of(conn: AsyncConnection, order_id: UUID) -> Sequence[Any]:
    return (
        await conn.execute(
            sa.select(t.reservation, t.lot.c.lot_code, t.lot.c.item_code, t.lot.c.unit)
            .join(t.lot, t.lot.c.id == t.reservation.c.lot_id)
            .where(t.reservation.c.order_id == order_id)
            .order_by(t.reservation.c.line_no, t.reservation.c.id)
        )
    ).all()


async def stock_by_item(conn: AsyncConnection) -> Sequence[Any]:
    return (
        await conn.execute(
            sa.select(
                t.item.c.code,
                t.item.c.base_unit,
                sa.func.coalesce(sa.func.sum(t.lot.c.on_hand), 0).label("on_hand"),
                sa.func.coalesce(sa.func.sum(t.lot.c.reserved), 0).label("reserved"),
            )
            .select_from(t.item.outerjoin(t.lot, t.lot.c.item_code == t.item.c.code))
            .group_by(t.item.c.code, t.item.c.base_unit)
            .order_by(t.item.c.code)
        )
    ).all()


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
