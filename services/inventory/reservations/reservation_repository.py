"""Customer orders in inventory: their reservations on lots (inventory_reservation), the
lines and outcome inventory keeps of each order, and the shipments already deducted."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory import tables as t
from services.inventory.reservations.domain import Allocation
from services.inventory.stock.lot_repository import change_reserved, reserved_added
from shared.hot_sql import HotStatement, array_of


def _reserve_order_statement() -> HotStatement:
    """Claim the order, save its lines and its allocations and add them to the lots'
    reserved quantities — one statement: each part only acts on the claimed row, so a
    duplicate delivery (the claim conflicting) writes nothing at all."""
    claim = (
        insert(t.order_request)
        .values(
            order_id=sa.bindparam("order_id"),
            outcome=sa.bindparam("outcome"),
            # SQL NULL for no rule, not JSON null
            shelf_life=sa.bindparam("shelf_life", type_=JSONB(none_as_null=True)),
        )
        .on_conflict_do_nothing()
        .returning(t.order_request.c.order_id)
        .cte("claim")
    )
    line = (
        sa.func.unnest(
            array_of("line_nos", t.order_line.c.line_no),
            array_of("item_codes", t.order_line.c.item_code),
            array_of("requested", t.order_line.c.requested),
            array_of("units", t.order_line.c.unit),
        )
        .table_valued("line_no", "item_code", "requested", "unit")
        .render_derived(name="line")
    )
    lines = (
        insert(t.order_line)
        .from_select(
            ["order_id", "line_no", "item_code", "requested", "unit"],
            sa.select(
                claim.c.order_id, line.c.line_no, line.c.item_code, line.c.requested
            ).add_columns(line.c.unit),
        )
        .on_conflict_do_nothing()
        .cte("saved_lines")
    )
    allocation = (
        sa.func.unnest(
            array_of("allocated_lines", t.reservation.c.line_no),
            array_of("lot_ids", t.reservation.c.lot_id),
            array_of("quantities", t.reservation.c.quantity),
        )
        .table_valued("line_no", "lot_id", "quantity", with_ordinality="n")
        .render_derived(name="allocation")
    )
    allocations = (
        t.reservation.insert()
        .from_select(
            ["order_id", "line_no", "lot_id", "quantity"],
            sa.select(claim.c.order_id, allocation.c.line_no, allocation.c.lot_id)
            .add_columns(allocation.c.quantity)
            .order_by(allocation.c.n),  # ids in the order allocated, as reservations_of reads
        )
        .cte("saved_allocations")
    )
    per_lot = (  # one line may take several lots, and several lines one lot
        sa.select(allocation.c.lot_id, sa.func.sum(allocation.c.quantity).label("quantity"))
        .where(sa.exists(sa.select(claim.c.order_id)))
        .group_by(allocation.c.lot_id)
        .subquery("per_lot")
    )
    return HotStatement(
        sa.select(claim.c.order_id).add_cte(lines, allocations, reserved_added(per_lot))
    )


_RESERVE_ORDER = _reserve_order_statement()


async def reserve_order(
    conn: AsyncConnection,
    order_id: UUID,
    *,
    outcome: str,
    shelf_life: dict[str, object] | None,
    lines: Sequence[Any],
    allocations: Sequence[Allocation],
) -> bool:
    """Claim the order and write its reservation, one round trip; False (and nothing
    written) if it was claimed before: one reservation run per order, whatever the delivery
    count (natural idempotency). The allocated lots must be locked (``lots_for_update``)."""
    claimed = await _RESERVE_ORDER.fetchrow(
        conn,
        order_id=order_id,
        outcome=outcome,
        shelf_life=shelf_life,
        line_nos=[line.line_no for line in lines],
        item_codes=[line.item_code for line in lines],
        requested=[line.quantity.value for line in lines],
        units=[line.quantity.unit for line in lines],
        allocated_lines=[a.line_no for a in allocations],
        lot_ids=[a.lot.id for a in allocations],
        quantities=[a.quantity for a in allocations],
    )
    return claimed is not None


async def reservations_of(conn: AsyncConnection, order_id: UUID) -> Sequence[Any]:
    return (
        await conn.execute(
            sa.select(t.reservation, t.lot.c.lot_code, t.lot.c.item_code, t.lot.c.unit)
            .join(t.lot, t.lot.c.id == t.reservation.c.lot_id)
            .where(t.reservation.c.order_id == order_id)
            .order_by(t.reservation.c.line_no, t.reservation.c.id)
        )
    ).all()


async def order_coverage(
    conn: AsyncConnection, order_id: UUID
) -> tuple[dict[tuple[UUID, int], Decimal], dict[tuple[UUID, int], Decimal]]:
    """What each line of the order asked for, and what is reserved for it now."""
    requested = {
        (order_id, r.line_no): r.requested
        for r in await conn.execute(
            sa.select(t.order_line).where(t.order_line.c.order_id == order_id)
        )
    }
    reserved = {
        (order_id, r.line_no): r.total
        for r in await conn.execute(
            sa.select(t.reservation.c.line_no, sa.func.sum(t.reservation.c.quantity).label("total"))
            .where(t.reservation.c.order_id == order_id)
            .group_by(t.reservation.c.line_no)
        )
    }
    return requested, reserved


async def add_reservation(
    conn: AsyncConnection, *, order_id: UUID, line_no: int, lot_id: int, quantity: Decimal
) -> None:
    await conn.execute(
        t.reservation.insert().values(
            order_id=order_id, line_no=line_no, lot_id=lot_id, quantity=quantity
        )
    )
    await change_reserved(conn, lot_id, quantity)


async def release_order(conn: AsyncConnection, order_id: UUID) -> list[Any]:
    """Take back everything reserved for the order; returns the released rows."""
    rows = (
        await conn.execute(
            sa.select(
                t.reservation, t.lot.c.lot_code, t.lot.c.item_code, t.lot.c.unit, t.lot.c.expires_on
            )
            .join(t.lot, t.lot.c.id == t.reservation.c.lot_id)
            .where(t.reservation.c.order_id == order_id)
            .order_by(t.lot.c.id)
            .with_for_update(of=t.lot)
        )
    ).all()
    for row in rows:
        await change_reserved(conn, row.lot_id, -row.quantity)
    await conn.execute(t.reservation.delete().where(t.reservation.c.order_id == order_id))
    return list(rows)


async def mark_order_cancelled(conn: AsyncConnection, order_id: UUID) -> None:
    """Remember the cancellation, even when it overtakes the order itself."""
    statement = insert(t.order_request).values(
        order_id=order_id, outcome="cancelled", cancelled=True
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[t.order_request.c.order_id], set_={"cancelled": True}
        )
    )


async def cancelled_orders(conn: AsyncConnection, order_ids: Sequence[UUID]) -> set[UUID]:
    rows = await conn.execute(
        sa.select(t.order_request.c.order_id).where(
            t.order_request.c.order_id.in_(order_ids), t.order_request.c.cancelled
        )
    )
    return {r.order_id for r in rows}


async def take_from_reservation(
    conn: AsyncConnection, *, order_id: UUID, line_no: int, lot_id: int, quantity: Decimal
) -> bool:
    """Shrink (or remove) the line's reservation on the lot; False if it holds too little."""
    row = (
        await conn.execute(
            sa.select(t.reservation.c.id, t.reservation.c.quantity)
            .where(
                t.reservation.c.order_id == order_id,
                t.reservation.c.line_no == line_no,
                t.reservation.c.lot_id == lot_id,
            )
            .with_for_update()
        )
    ).first()
    if row is None or row.quantity < quantity:
        return False
    if row.quantity == quantity:
        await conn.execute(t.reservation.delete().where(t.reservation.c.id == row.id))
    else:
        await conn.execute(
            t.reservation.update()
            .where(t.reservation.c.id == row.id)
            .values(quantity=t.reservation.c.quantity - quantity)
        )
    return True


async def claim_shipment(conn: AsyncConnection, shipment_id: UUID) -> bool:
    """One deduction per shipment, whatever the delivery count."""
    result = await conn.execute(
        insert(t.shipment)
        .values(shipment_id=shipment_id)
        .on_conflict_do_nothing()
        .returning(t.shipment.c.shipment_id)
    )
    return result.first() is not None


async def open_reservations_on(conn: AsyncConnection, lot_ids: Sequence[int]) -> Sequence[Any]:
    """What customer orders not cancelled still hold on the lots (unshipped by definition:
    a shipment takes its quantity out of the reservation)."""
    if not lot_ids:
        return []
    query = (
        sa.select(
            t.reservation.c.order_id,
            t.reservation.c.line_no,
            t.lot.c.lot_code,
            t.reservation.c.quantity,
            t.lot.c.unit,
        )
        .join(t.lot, t.lot.c.id == t.reservation.c.lot_id)
        .outerjoin(t.order_request, t.order_request.c.order_id == t.reservation.c.order_id)
        .where(
            t.reservation.c.lot_id.in_(sorted(set(lot_ids))),
            sa.func.coalesce(t.order_request.c.cancelled, sa.false()).is_(False),
        )
        .order_by(t.reservation.c.order_id, t.reservation.c.line_no, t.lot.c.lot_code)
    )
    return (await conn.execute(query)).all()
