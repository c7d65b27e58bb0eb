"""A channel's edits and returns in stock: a reduced order line gives back what it no longer
needs (``StockReleased`` with ``partial``), and restocked goods come back on hand — to the
lot they shipped from, or to a quarantine lot beside it — with a ``return`` movement, once
per return (docs/connectors.md)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory import tables as t
from services.inventory.production.holding_and_completion import retry_waiting_requests
from services.inventory.publishing import publish
from services.inventory.reservations.channel_rules import HeldLot, release_down_to
from services.inventory.stock import lot_repository
from services.inventory.stock.stock_entry_rules import QuarantineReturn, enter_stock
from shared.consuming import Delivery
from shared.contracts.base import Event
from shared.contracts.inventory import ReservedLot, StockReleased
from shared.contracts.orders import OrderItemsReturned, OrderLinesReduced, ReturnedLot
from shared.units import Quantity


async def _held(conn: AsyncConnection, order_id: UUID, line_no: int) -> list[HeldLot]:
    R, L = t.reservation, t.lot
    rows = await conn.execute(
        sa.select(R.c.id, R.c.lot_id, R.c.quantity, L.c.lot_code, L.c.item_code, L.c.unit)
        .add_columns(L.c.expires_on)
        .join(L, L.c.id == R.c.lot_id)
        .where(R.c.order_id == order_id, R.c.line_no == line_no)
        .order_by(L.c.id)
        .with_for_update(of=L)
    )
    return [
        HeldLot(r.id, r.lot_id, r.lot_code, r.item_code, r.unit, r.expires_on, Decimal(r.quantity))
        for r in rows
    ]


async def _release(conn: AsyncConnection, held: HeldLot, quantity: Decimal) -> None:
    R = t.reservation
    if quantity >= held.quantity:
        await conn.execute(R.delete().where(R.c.id == held.reservation_id))
    else:
        await conn.execute(
            R.update().where(R.c.id == held.reservation_id).values(quantity=R.c.quantity - quantity)
        )
    await lot_repository.change_reserved(conn, held.lot_id, -quantity)


async def shrink_for_reduced_lines(tx: Delivery, event: OrderLinesReduced) -> None:
    """Each reduced line keeps at most its new quantity reserved; the rest is free stock."""
    conn = tx.conn
    released: list[ReservedLot] = []
    touched: list[int] = []
    for line in event.lines:
        await conn.execute(
            t.order_line.update()
            .where(t.order_line.c.order_id == event.order_id)
            .where(t.order_line.c.line_no == line.line_no)
            .values(requested=sa.func.least(t.order_line.c.requested, line.quantity.value))
        )
        for held, quantity in release_down_to(
            await _held(conn, event.order_id, line.line_no), line.quantity.value
        ):
            await _release(conn, held, quantity)
            touched.append(held.lot_id)
            released.append(
                ReservedLot(
                    line_no=line.line_no,
                    item_code=held.item_code,
                    lot_code=held.lot_code,
                    quantity=Quantity.of(quantity, held.unit),
                    expires_on=held.expires_on,
                )
            )
    if not released:
        return
    waiting = await retry_waiting_requests(conn, sorted({r.item_code for r in released}))
    events: list[Event] = [
        StockReleased(order_id=event.order_id, released=tuple(released), partial=True),
        *waiting.events,
    ]
    await publish(tx, events, touched_lots=touched + list(waiting.touched_lots))


async def _target_lot(conn: AsyncConnection, returned: ReturnedLot, destination: str) -> int | None:
    """The lot the goods go back to; a quarantine lot is made beside the origin lot."""
    origin = (
        await conn.execute(sa.select(t.lot).where(t.lot.c.lot_code == returned.lot_code))
    ).first()
    if origin is None:
        return None
    if destination != "quarantine":
        return int(origin.id)
    entry = enter_stock(
        QuarantineReturn(
            origin_lot_code=origin.lot_code,
            expires_on=origin.expires_on,
            production_order_id=origin.production_order_id,
        ),
        item_code=origin.item_code,
        quantity=Quantity.zero(origin.unit),
    )
    created = await lot_repository.insert_entry(conn, entry)
    if created is not None:
        return created
    row = (
        await conn.execute(sa.select(t.lot.c.id).where(t.lot.c.lot_code == entry.lot_code))
    ).first()
    return None if row is None else int(row.id)


async def _already_booked(conn: AsyncConnection, lot_id: int, reference: str) -> bool:
    M = t.movement
    found = await conn.execute(
        sa.select(M.c.id).where(M.c.lot_id == lot_id, M.c.reference == reference).limit(1)
    )
    return found.first() is not None


async def restock_returned(tx: Delivery, event: OrderItemsReturned) -> None:
    """Goods back on hand with a ``return`` movement per lot, once per return id."""
    conn = tx.conn
    reference = f"return:{event.return_id}"
    touched: list[int] = []
    for returned in event.lots:
        lot_id = await _target_lot(conn, returned, event.destination)
        if lot_id is None or await _already_booked(conn, lot_id, reference):
            continue
        await conn.execute(sa.select(t.lot.c.id).where(t.lot.c.id == lot_id).with_for_update())
        await lot_repository.change_on_hand(
            conn, lot_id, returned.quantity.value, kind="return", reference=reference
        )
        touched.append(lot_id)
    if touched:
        items = sorted({r.item_code for r in event.lots})
        waiting = await retry_waiting_requests(conn, items)
        await publish(
            tx,
            list(waiting.events),
            touched_lots=touched + list(waiting.touched_lots),
        )
