"""A promised date on the real PostgreSQL: stored on the order, a change published once and
a slip mailed once, however often (and however concurrently) the promise is delivered."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import repository, service
from services.orders import tables as t
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.production import OrderPromised
from tests.integration.test_orders_intake import inbound


async def new_order(engine: AsyncEngine) -> uuid.UUID:
    event = inbound(str(uuid.uuid4().int >> 65))
    await apply_once(engine, service.receive_inbound_order, Envelope.wrap(event), event)
    return service.order_id_for("shopify", event.external_id)


async def deliver(engine: AsyncEngine, event: OrderPromised, times: int) -> None:
    """The same message delivered ``times`` times at once (at-least-once delivery)."""
    envelope = Envelope.wrap(event)
    await asyncio.gather(
        *(apply_once(engine, service.record_promise, envelope, event) for _ in range(times))
    )


async def published(engine: AsyncEngine, order_id: uuid.UUID) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.envelope)
            .where(
                t.OUTBOX.c.key == str(order_id), t.OUTBOX.c.event_type == "orders.promise_changed"
            )
            .order_by(t.OUTBOX.c.id)
        )
        return [r.envelope["payload"] for r in rows]


async def slip_mails(engine: AsyncEngine, order_id: uuid.UUID) -> list[Any]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.notification).where(
                t.notification.c.order_id == order_id, t.notification.c.kind == "promise_slipped"
            )
        )
        return list(rows)


async def test_a_first_date_an_earlier_one_and_a_slip_each_count_once(orders_engine):
    order_id = await new_order(orders_engine)
    first = OrderPromised(order_id=order_id, promised_on=date(2027, 3, 18), reason="material FLOUR")
    earlier = OrderPromised(
        order_id=order_id,
        promised_on=date(2027, 3, 4),
        reason="production on OVEN",
        previous_promised_on=date(2027, 3, 18),
    )
    later = OrderPromised(
        order_id=order_id,
        promised_on=date(2027, 3, 8),
        reason="line OVEN down until 2027-03-02",
        previous_promised_on=date(2027, 3, 4),
    )

    for event in (first, earlier, later):
        await deliver(orders_engine, event, 3)

    async with orders_engine.connect() as conn:
        head = await repository.order_head(conn, order_id)
    assert (head.promised_on, head.promise_reason) == (
        date(2027, 3, 8),
        "line OVEN down until 2027-03-02",
    )
    assert [
        (c["previous_promised_on"], c["promised_on"], c["slipped"])
        for c in await published(orders_engine, order_id)
    ] == [("2027-03-18", "2027-03-04", False), ("2027-03-04", "2027-03-08", True)]
    [mail] = await slip_mails(orders_engine, order_id)
    assert (mail.reference, mail.context["promised_on"]) == ("2027-03-04", "2027-03-08")


async def test_a_cancelled_order_keeps_its_date(orders_engine):
    order_id = await new_order(orders_engine)
    await deliver(
        orders_engine, OrderPromised(order_id=order_id, promised_on=date(2027, 3, 4), reason="x"), 1
    )
    await service.cancel_order(orders_engine, order_id, reason=None)
    await deliver(
        orders_engine, OrderPromised(order_id=order_id, promised_on=date(2027, 3, 9), reason="y"), 1
    )

    async with orders_engine.connect() as conn:
        head = await repository.order_head(conn, order_id)
    assert head.promised_on == date(2027, 3, 4)
    assert await published(orders_engine, order_id) == []
    assert await slip_mails(orders_engine, order_id) == []
