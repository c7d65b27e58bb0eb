"""Production's material requests and the lots held for them (inventory_material_request,
inventory_material_reservation)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory import tables as t
from services.inventory.stock.lot_repository import change_reserved, reserved_added
from shared.hot_sql import HotStatement, array_of


async def held_by(conn: AsyncConnection, production_order_id: UUID) -> dict[int, Decimal]:
    rows = await conn.execute(
        sa.select(t.material_reservation.c.lot_id, t.material_reservation.c.quantity).where(
            t.material_reservation.c.production_order_id == production_order_id
        )
    )
    return {r.lot_id: r.quantity for r in rows}


_HELD = HotStatement(
    sa.select(t.material_reservation.c.lot_id, t.material_reservation.c.quantity).where(
        t.material_reservation.c.production_order_id == sa.bindparam("production_order_id")
    )
)
_FORGET_HOLDS = HotStatement(
    t.material_reservation.delete().where(
        t.material_reservation.c.production_order_id == sa.bindparam("production_order_id")
    )
)


async def release_holds(conn: AsyncConnection, production_order_id: UUID) -> list[int]:
    """Give a production order's held materials back; returns the lots touched. Most
    requests are new and hold nothing yet: one read then."""
    held = await _HELD.fetch(conn, production_order_id=production_order_id)
    if not held:
        return []
    for row in sorted(held, key=lambda r: r.lot_id):  # lot id order, as every lock is taken
        await change_reserved(conn, row.lot_id, -row.quantity)
    await _FORGET_HOLDS.execute(conn, production_order_id=production_order_id)
    return [row.lot_id for row in held]


def _save_holds_statement() -> HotStatement:
    """Insert the holds and add them to their lots' reserved quantities, one statement."""
    hold = (
        sa.func.unnest(
            array_of("lot_ids", t.material_reservation.c.lot_id),
            array_of("quantities", t.material_reservation.c.quantity),
        )
        .table_valued("lot_id", "quantity")
        .render_derived(name="hold")
    )
    saved = (
        t.material_reservation.insert()
        .from_select(
            ["production_order_id", "lot_id", "quantity"],
            sa.select(sa.bindparam("production_order_id", type_=PgUUID(as_uuid=True))).add_columns(
                hold.c.lot_id, hold.c.quantity
            ),
        )
        .cte("saved_holds")
    )
    # one hold per lot (the table's key), so the holds are already one row per lot
    per_lot = sa.select(hold.c.lot_id, hold.c.quantity).subquery("per_lot")
    return HotStatement(sa.select(sa.true()).add_cte(saved, reserved_added(per_lot)))


_SAVE_HOLDS = _save_holds_statement()


async def save_holds(
    conn: AsyncConnection, production_order_id: UUID, holds: Sequence[tuple[int, Decimal]]
) -> None:
    """The holds' lots must be locked (``lots_for_update``)."""
    if not holds:
        return
    await _SAVE_HOLDS.execute(
        conn,
        production_order_id=production_order_id,
        lot_ids=[lot_id for lot_id, _ in holds],
        quantities=[quantity for _, quantity in holds],
    )


_UPSERT_REQUEST = HotStatement(
    insert(t.material_request)
    .values(
        production_order_id=sa.bindparam("production_order_id"),
        item_code=sa.bindparam("item_code"),
        materials=sa.bindparam("materials", type_=t.material_request.c.materials.type),
        status=sa.bindparam("status"),
    )
    .on_conflict_do_update(
        index_elements=[t.material_request.c.production_order_id],
        set_={
            "materials": insert(t.material_request).excluded.materials,
            "status": insert(t.material_request).excluded.status,
            "updated_at": sa.func.now(),
        },
    )
)
_SET_STATUS = HotStatement(
    t.material_request.update()
    .where(t.material_request.c.production_order_id == sa.bindparam("production_order_id"))
    .values(status=sa.bindparam("status"), updated_at=sa.func.now())
)
_STATUS_FOR_UPDATE = HotStatement(
    sa.select(t.material_request.c.status)
    .where(t.material_request.c.production_order_id == sa.bindparam("production_order_id"))
    .with_for_update()
)


async def upsert_material_request(
    conn: AsyncConnection, production_order_id: UUID, *, item_code: str, materials: Any, status: str
) -> None:
    await _UPSERT_REQUEST.execute(
        conn,
        production_order_id=production_order_id,
        item_code=item_code,
        materials=materials,
        status=status,
    )


async def set_request_status(conn: AsyncConnection, production_order_id: UUID, status: str) -> None:
    await _SET_STATUS.execute(conn, production_order_id=production_order_id, status=status)


async def request_status(conn: AsyncConnection, production_order_id: UUID) -> str | None:
    """The request's status, its row locked; None if there is none (``material_request``
    reads it whole)."""
    row = await _STATUS_FOR_UPDATE.fetchrow(conn, production_order_id=production_order_id)
    return None if row is None else str(row.status)


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
