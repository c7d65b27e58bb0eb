"""Manual orders (phone, e-mail, sales rep): validated like a channel's, idempotent on the
client's ``Idempotency-Key``, published through the same ``inbound_order_received`` path.

The key row, the validation and the event commit in one transaction: a second request with
the key waits on the first's row, then answers the same order (same body) or 409."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors import tables as t
from services.connectors.direct_orders import items
from services.connectors.direct_orders.line_rules import InvalidLine, checked_quantity
from shared import outbox
from shared.contracts.connectors import (
    Customer,
    InboundOrderLine,
    InboundOrderReceived,
    order_id_for,
)
from shared.units import Money

CHANNEL = "manual"


class IdempotencyConflict(Exception):
    """The key was used before for a different order."""


class InvalidManualOrder(ValueError):
    """A line refused, named by its position (``lines[1]``)."""


@dataclass(frozen=True)
class ManualLine:
    item_code: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None = None
    title: str | None = None


@dataclass(frozen=True)
class ManualOrder:
    source: str  # phone, email, sales_rep
    customer: Customer
    lines: tuple[ManualLine, ...]
    reference: str | None = None
    sales_rep: str | None = None
    currency: str | None = None
    requested_on: date | None = None


@dataclass(frozen=True)
class Accepted:
    order_id: UUID
    external_id: str
    created: bool  # False: the same key and body came before


def fingerprint(request: dict[str, Any]) -> str:
    """The same body gives the same digest whatever the key order of its JSON."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lines(order: ManualOrder, base_units: dict[str, str]) -> tuple[InboundOrderLine, ...]:
    lines = []
    for no, line in enumerate(order.lines):
        try:
            quantity = checked_quantity(
                line.item_code, line.quantity, line.unit, base_units=base_units
            )
        except InvalidLine as error:
            raise InvalidManualOrder(f"lines[{no}]: {error}") from error
        if line.unit_price is not None and order.currency is None:
            raise InvalidManualOrder(f"lines[{no}]: a unit price needs the order's currency")
        price = None
        if line.unit_price is not None and order.currency is not None:
            price = Money(amount=line.unit_price, currency=order.currency)
        lines.append(
            InboundOrderLine(
                external_line_id=str(no + 1),
                sku=line.item_code,
                item_code=line.item_code,
                title=line.title,
                quantity=quantity,
                unit_price=price,
            )
        )
    return tuple(lines)


async def _existing(conn: AsyncConnection, key: str, digest: str) -> Accepted:
    row = (
        await conn.execute(sa.select(t.manual_order).where(t.manual_order.c.idempotency_key == key))
    ).one()
    if row.request_sha256 != digest:
        raise IdempotencyConflict(
            f"Idempotency-Key {key!r} was already used for another order ({row.order_id})"
        )
    return Accepted(order_id=row.order_id, external_id=row.external_id, created=False)


async def place(
    engine: AsyncEngine, order: ManualOrder, *, key: str, request: dict[str, Any]
) -> Accepted:
    """Publish the order once per key; 409 (IdempotencyConflict) for a reused key."""
    digest = fingerprint(request)
    external_id = f"M-{uuid.uuid4().hex[:12].upper()}"
    order_id = order_id_for(CHANNEL, external_id)
    async with engine.begin() as conn:
        claimed = await conn.execute(
            insert(t.manual_order)
            .values(
                idempotency_key=key,
                request_sha256=digest,
                external_id=external_id,
                order_id=order_id,
                source=order.source,
                sales_rep=order.sales_rep,
            )
            .on_conflict_do_nothing()
            .returning(t.manual_order.c.idempotency_key)
        )
        if claimed.first() is None:
            return await _existing(conn, key, digest)
        base_units = await items.base_units(conn, [ln.item_code for ln in order.lines])
        inbound = InboundOrderReceived(
            channel=CHANNEL,
            shop=CHANNEL,
            external_id=external_id,
            external_number=order.reference or external_id,
            currency=order.currency,
            requested_on=order.requested_on,
            customer=order.customer,
            lines=_lines(order, base_units),
        )
        await outbox.add(conn, [inbound])
    return Accepted(order_id=order_id, external_id=external_id, created=True)
