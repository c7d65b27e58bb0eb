"""Queries for channel edits and returns: an order's lines, its edit version, its copy of
reservations shrunk, and its shipped and returned lots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import tables as t
from services.orders.edits.channel_rules import Line, ShippedLot
from shared.contracts.inventory import ReservedLot
from shared.contracts.orders import ReturnedLot


async def lines(conn: AsyncConnection, order_id: UUID) -> list[Line]:
    rows = await conn.execute(
        sa.select(t.line).where(t.line.c.order_id == order_id).order_by(t.line.c.line_no)
    )
    return [
        Line(r.line_no, r.external_line_id, r.item_code, Decimal(r.quantity), r.unit) for r in rows
    ]


async def claim_channel_version(conn: AsyncConnection, order_id: UUID, version: datetime) -> bool:
    """True when ``version`` is newer than the last edit applied (and is now the last)."""
    result = await conn.execute(
        t.order.update()
        .where(
            t.order.c.id == order_id,
            sa.or_(t.order.c.channel_version.is_(None), t.order.c.channel_version < version),
        )
        .values(channel_version=version, updated_at=sa.func.now())
        .returning(t.order.c.id)
    )
    return result.first() is not None


async def set_line_quantities(
    conn: AsyncConnection, order_id: UUID, quantities: Mapping[int, Decimal]
) -> None:
    for line_no, quantity in quantities.items():
        await conn.execute(
            t.line.update()
            .where(t.line.c.order_id == order_id, t.line.c.line_no == line_no)
            .values(quantity=quantity)
        )


async def shrink_reservations(
    conn: AsyncConnection, order_id: UUID, released: Sequence[ReservedLot]
) -> None:
    """Take the released quantities off the order's copy of its reservations."""
    R = t.reservation
    for lot in released:
        left = lot.quantity.value
        rows = await conn.execute(
            sa.select(R.c.id, R.c.quantity)
            .where(R.c.order_id == order_id, R.c.line_no == lot.line_no)
            .where(R.c.lot_code == lot.lot_code)
            .order_by(R.c.id.desc())
        )
        for row in rows.all():
            take = min(left, Decimal(row.quantity))
            if take == row.quantity:
                await conn.execute(R.delete().where(R.c.id == row.id))
            else:
                await conn.execute(
                    R.update().where(R.c.id == row.id).values(quantity=R.c.quantity - take)
                )
            left -= take
            if left <= 0:
                break


async def returnable_lots(conn: AsyncConnection, order_id: UUID) -> list[ShippedLot]:
    """Lots shipped for the order less what earlier returns took, latest shipment first."""
    S, L, RL = t.shipment, t.shipment_lot, t.return_lot
    shipped = (
        await conn.execute(
            sa.select(L.c.line_no, L.c.item_code, L.c.lot_code, L.c.quantity, L.c.unit)
            .join(S, S.c.id == L.c.shipment_id)
            .where(S.c.order_id == order_id)
            .order_by(S.c.created_at.desc(), L.c.line_no, L.c.lot_code)
        )
    ).all()
    returned_rows = await conn.execute(
        sa.select(RL.c.line_no, RL.c.lot_code, sa.func.sum(RL.c.quantity).label("quantity"))
        .where(RL.c.order_id == order_id)
        .group_by(RL.c.line_no, RL.c.lot_code)
    )
    returned = {(r.line_no, r.lot_code): Decimal(r.quantity) for r in returned_rows}
    lots = []
    for r in shipped:
        key = (r.line_no, r.lot_code)
        take_back = min(returned.get(key, Decimal(0)), Decimal(r.quantity))
        returned[key] = returned.get(key, Decimal(0)) - take_back
        lots.append(
            ShippedLot(r.line_no, r.item_code, r.lot_code, Decimal(r.quantity) - take_back, r.unit)
        )
    return lots


async def record_return(
    conn: AsyncConnection,
    order_id: UUID,
    return_id: str,
    lots: Sequence[ReturnedLot],
    *,
    destination: str,
) -> bool:
    """False when this return was already booked (a redelivered refund)."""
    if not lots:
        return False
    result = await conn.execute(
        insert(t.return_lot)
        .values(
            [
                {
                    "return_id": return_id,
                    "line_no": lot.line_no,
                    "lot_code": lot.lot_code,
                    "order_id": order_id,
                    "item_code": lot.item_code,
                    "quantity": lot.quantity.value,
                    "unit": lot.quantity.unit,
                    "destination": destination,
                }
                for lot in lots
            ]
        )
        .on_conflict_do_nothing()
        .returning(t.return_lot.c.return_id)
    )
    return bool(result.all())
