"""Queries for shipments: what an order has reserved and shipped, and the shipments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import tables as t
from services.orders.shipments.shipping import LineToShip, ReservedOnLot
from shared import gathered_rows
from shared.contracts.orders import ShippedLot
from shared.hot_sql import HotStatement, bound


async def lines_to_ship(conn: AsyncConnection, order_id: UUID) -> list[LineToShip]:
    rows = await conn.execute(
        sa.select(t.line).where(t.line.c.order_id == order_id).order_by(t.line.c.line_no)
    )
    return [
        LineToShip(r.line_no, r.external_line_id, r.item_code or "", r.quantity, r.unit)
        for r in rows
    ]


async def reserved_lots(conn: AsyncConnection, order_id: UUID) -> list[ReservedOnLot]:
    rows = await conn.execute(
        sa.select(
            t.reservation.c.line_no,
            t.reservation.c.lot_code,
            t.reservation.c.expires_on,
            sa.func.sum(t.reservation.c.quantity).label("quantity"),
        )
        .where(t.reservation.c.order_id == order_id)
        .group_by(t.reservation.c.line_no, t.reservation.c.lot_code, t.reservation.c.expires_on)
    )
    return [ReservedOnLot(r.line_no, r.lot_code, r.quantity, r.expires_on) for r in rows]


async def shipped_so_far(conn: AsyncConnection, order_id: UUID) -> dict[tuple[int, str], Decimal]:
    rows = await conn.execute(
        sa.select(
            t.shipment_lot.c.line_no,
            t.shipment_lot.c.lot_code,
            sa.func.sum(t.shipment_lot.c.quantity).label("quantity"),
        )
        .join(t.shipment, t.shipment.c.id == t.shipment_lot.c.shipment_id)
        .where(t.shipment.c.order_id == order_id)
        .group_by(t.shipment_lot.c.line_no, t.shipment_lot.c.lot_code)
    )
    return {(r.line_no, r.lot_code): r.quantity for r in rows}


async def insert_shipment(
    conn: AsyncConnection,
    *,
    shipment_id: UUID,
    order_id: UUID,
    carrier: str,
    service: str | None,
    carrier_reference: str | None,
    tracking_number: str | None,
    tracking_url: str | None,
    label_pdf: bytes | None,
    lots: Sequence[ShippedLot],
    parcel_weights: Sequence[tuple[Decimal, str]],
) -> None:
    await conn.execute(
        t.shipment.insert().values(
            id=shipment_id,
            order_id=order_id,
            carrier=carrier,
            service=service,
            carrier_reference=carrier_reference,
            tracking_number=tracking_number,
            tracking_url=tracking_url,
            label_pdf=label_pdf,
            status="dispatched",
        )
    )
    await conn.execute(
        t.shipment_lot.insert(),
        [
            {
                "shipment_id": shipment_id,
                "line_no": x.line_no,
                "lot_code": x.lot_code,
                "item_code": x.item_code,
                "quantity": x.quantity.value,
                "unit": x.quantity.unit,
            }
            for x in lots
        ],
    )
    if parcel_weights:
        await conn.execute(
            t.shipment_parcel.insert(),
            [
                {"shipment_id": shipment_id, "parcel_no": no, "weight": w, "weight_unit": unit}
                for no, (w, unit) in enumerate(parcel_weights, start=1)
            ],
        )


async def shipments_of(conn: AsyncConnection, order_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.execute(
        sa.select(t.shipment)
        .where(t.shipment.c.order_id == order_id)
        .order_by(t.shipment.c.created_at)
    )
    return [await _with_details(conn, dict(r._mapping)) for r in rows]


async def shipment(conn: AsyncConnection, shipment_id: UUID, *, lock: bool = False) -> Any:
    query = sa.select(t.shipment).where(t.shipment.c.id == shipment_id)
    if lock:
        query = query.with_for_update()
    return (await conn.execute(query)).first()


async def shipment_by_carrier_reference(conn: AsyncConnection, carrier: str, ref: str) -> Any:
    return (
        await conn.execute(
            sa.select(t.shipment).where(
                t.shipment.c.carrier == carrier, t.shipment.c.carrier_reference == ref
            )
        )
    ).first()


async def shipment_details(conn: AsyncConnection, shipment_id: UUID) -> dict[str, Any] | None:
    row = await shipment(conn, shipment_id)
    return None if row is None else await _with_details(conn, dict(row._mapping))


async def _with_details(conn: AsyncConnection, head: dict[str, Any]) -> dict[str, Any]:
    lots = await conn.execute(
        sa.select(t.shipment_lot)
        .where(t.shipment_lot.c.shipment_id == head["id"])
        .order_by(t.shipment_lot.c.line_no, t.shipment_lot.c.lot_code)
    )
    parcels = await conn.execute(
        sa.select(t.shipment_parcel)
        .where(t.shipment_parcel.c.shipment_id == head["id"])
        .order_by(t.shipment_parcel.c.parcel_no)
    )
    head.pop("label_pdf", None)
    return {
        **head,
        "lots": [dict(r._mapping) for r in lots],
        "parcels": [dict(r._mapping) for r in parcels],
    }


async def mark_delivered(conn: AsyncConnection, shipment_id: UUID) -> bool:
    result = await conn.execute(
        t.shipment.update()
        .where(t.shipment.c.id == shipment_id, t.shipment.c.status != "delivered")
        .values(status="delivered", delivered_at=sa.func.now())
        .returning(t.shipment.c.id)
    )
    return result.first() is not None


async def undelivered_count(conn: AsyncConnection, order_id: UUID) -> int:
    count = await conn.scalar(
        sa.select(sa.func.count())
        .select_from(t.shipment)
        .where(t.shipment.c.order_id == order_id, t.shipment.c.status != "delivered")
    )
    return int(count or 0)


_LOG_EVENT = HotStatement(
    t.channel_event.insert()
    .inline()
    .values(bound("order_id", "shipment_id", "kind", "detail", "data"))
)


async def log_event(
    conn: AsyncConnection,
    *,
    order_id: UUID,
    kind: str,
    detail: str | None,
    shipment_id: UUID | None = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Something other services did for the order, for its timeline: ``detail`` in English
    for API clients, ``data`` the facts a sentence in the reader's language is made of."""
    await gathered_rows.insert(  # nothing reads the timeline in the writer's transaction
        conn,
        _LOG_EVENT,
        {
            "order_id": order_id,
            "shipment_id": shipment_id,
            "kind": kind,
            "detail": detail,
            "data": dict(data) if data is not None else None,
        },
    )


async def line_titles(conn: AsyncConnection, order_id: UUID) -> dict[int, str | None]:
    rows = await conn.execute(
        sa.select(t.line.c.line_no, t.line.c.title).where(t.line.c.order_id == order_id)
    )
    return {r.line_no: r.title for r in rows}
