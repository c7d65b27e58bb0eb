"""Importing a wholesale CSV: each order of the file published once, ever, per reference
(channel ``wholesale``), through the same ``inbound_order_received`` path as the shops.

One transaction for the whole file: the reference rows and their events commit together, so a
crash mid-import leaves nothing half done, and an import run twice (or concurrently) creates
each order once (the reference is the primary key)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from services.connectors.direct_orders import items, wholesale_csv
from shared import outbox
from shared.contracts.connectors import (
    Customer,
    InboundOrderLine,
    InboundOrderReceived,
    order_id_for,
)

CHANNEL = "wholesale"
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ImportedOrder:
    reference: str
    order_id: UUID
    lines: int
    created: bool  # False: that reference was imported before, nothing new


@dataclass(frozen=True)
class ImportReport:
    orders: list[ImportedOrder]
    errors: list[wholesale_csv.RowError]


def decode(body: bytes) -> str:
    if len(body) > MAX_BYTES:
        raise wholesale_csv.UnreadableFile(f"the file exceeds {MAX_BYTES // 1024 // 1024} MB")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise wholesale_csv.UnreadableFile(f"the file is not UTF-8: {error}") from error


def inbound_order(order: wholesale_csv.WholesaleOrder) -> InboundOrderReceived:
    return InboundOrderReceived(
        channel=CHANNEL,
        shop=CHANNEL,
        external_id=order.reference,
        external_number=order.reference,
        currency=order.currency,
        requested_on=order.requested_on,
        customer=Customer(name=order.customer_name, email=order.customer_email),
        lines=tuple(
            InboundOrderLine(
                external_line_id=f"line-{line.line}",
                sku=line.item_code,
                item_code=line.item_code,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
            for line in order.lines
        ),
    )


async def import_orders(engine: AsyncEngine, body: bytes) -> ImportReport:
    """Good orders published, bad rows reported by line; a known reference creates nothing."""
    text = decode(body)
    digest = hashlib.sha256(body).hexdigest()
    async with engine.begin() as conn:
        known = await items.base_units(conn, wholesale_csv.item_codes(text))
        parsed = wholesale_csv.parse(text, base_units=known)
        imported = []
        for order in parsed.orders:
            order_id = order_id_for(CHANNEL, order.reference)
            claimed = await conn.execute(
                insert(t.imported_order)
                .values(
                    reference=order.reference,
                    order_id=order_id,
                    file_sha256=digest,
                    line_count=len(order.lines),
                )
                .on_conflict_do_nothing()
                .returning(t.imported_order.c.reference)
            )
            created = claimed.first() is not None
            if created:
                await outbox.add(conn, [inbound_order(order)])
            imported.append(ImportedOrder(order.reference, order_id, len(order.lines), created))
    return ImportReport(orders=imported, errors=parsed.errors)
