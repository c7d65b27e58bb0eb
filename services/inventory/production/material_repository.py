"""Production's material requests and the lots held for them (inventory_material_request,
inventory_material_reservation)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory import tables as t
from services.inventory.stock.lot_repository import change_reserved


async def held_by(conn: AsyncConnection, production_order_id: UUID) -> dict[int, Decimal]:
    rows = await conn.execute(
        sa.select(t.material_reservation.c.lot_id, t.material_reservation.c.quantity).where(
            t.material_reservation.c.production_order_id == production_order_id
        )
    )
    return {r.lot_id: r.quantity for r in rows}


async def release_holds(conn: AsyncConnection, production_order_id: UUID) -> list[int]:
    """Give a production order's held materials back; returns the lots touched."""
    held = await held_by(conn, production_order_id)
    for lot_id, quantity in sorted(held.items()):
        await change_reserved(conn, lot_id, -quantity)
    await conn.execute(
        t.material_reservation.delete().where(
            t.material_reservation.c.production_order_id == production_order_id
        )
    )
    return list(held)


async def save_holds(
    conn: AsyncConnection, production_order_id: UUID, holds: Sequence[tuple[int, Decimal]]
) -> None:
    for lot_id, quantity in holds:
        await conn.execute(
            t.material_reservation.insert().values(
                production_order_id=production_order_id, lot_id=lot_id, quantity=quantity
            )
        )
        await change_reserved(conn, lot_id, quantity)


async def upsert_material_request(
    conn: AsyncConnection, production_order_id: UUID, *, item_code: str, materials: Any, status: str
) -> None:
    statement = insert(t.material_request).values(
        production_order_id=production_order_id,
        item_code=item_code,
        materials=materials,
        status=status,
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[t.material_request.c.production_order_id],
            set_={"materials": materials, "status": status, "updated_at": sa.func.now()},
        )
    )


async def set_request_status(conn: AsyncConnection, production_order_id: UUID, status: str) -> None:
    await conn.execute(
        t.material_request.update()
        .where(t.material_request.c.production_order_id == production_order_id)
        .values(status=status, updated_at=sa.func.now())
    )


async def material_request(conn: AsyncConnection, production_order_id: UUID) -> Any:
    return (
        await conn.execute(
            sa.select(t.material_request)
            .where(t.material_request.c.production_order_id == production_order_id)
            .with_for_update()
        )
    ).first()


async def pending_requests_needing(conn: AsyncConnection, item_codes: Sequence[str]) -> list[Any]:
    """Waiting material requests that need any of ``item_codes``, oldest first."""
    rows = await conn.execute(
        sa.select(t.material_request)
        .where(t.material_request.c.status == "pending")
        .order_by(t.material_request.c.created_at, t.material_request.c.production_order_id)
        .with_for_update()
    )
    wanted = set(item_codes)
    return [r for r in rows if wanted & {m["item_code"] for m in r.materials}]


async def production_holding(conn: AsyncConnection, lot_ids: Sequence[int]) -> list[UUID]:
    """The production orders whose held materials include any of the lots, in id order."""
    if not lot_ids:
        return []
    rows = await conn.execute(
        sa.select(t.material_reservation.c.production_order_id)
        .where(t.material_reservation.c.lot_id.in_(sorted(set(lot_ids))))
        .distinct()
        .order_by(t.material_reservation.c.production_order_id)
    )
    return [r.production_order_id for r in rows]
