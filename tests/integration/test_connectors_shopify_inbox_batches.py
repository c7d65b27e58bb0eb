"""The Shopify webhook inbox applied a batch at a time, on the real PostgreSQL: a bad
delivery in a batch fails alone and is recorded while the others apply; the same order
delivered twice in one batch is one order; a batch whose transaction fails is applied one
delivery at a time; and a batch costs a handful of statements, however many it holds."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from services.connectors.config import ShopifySyncSettings
from services.connectors.shopify import delivery_batch
from services.connectors.shopify.delivery_worker import process_batch
from tests.fakes.shopify_orders import cancelled, refund, rest_order, touched
from tests.integration.test_connectors_shopify_inbox import api, app, post, published, shop

__all__ = ["api", "app"]  # the fixtures, shared with the one-at-a-time inbox tests

SETTINGS = ShopifySyncSettings(
    inbox_max_attempts=3, inbox_poll_interval_seconds=60, inbox_batch_size=100
)
RECEIVED = "connectors.inbound_order_received"


async def drain(engine: AsyncEngine) -> None:
    while await process_batch(engine, SETTINGS):
        pass


async def delivery(engine: AsyncEngine, webhook_id: str) -> Any:
    async with engine.connect() as conn:
        query = sa.select(t.webhook_delivery).where(t.webhook_delivery.c.webhook_id == webhook_id)
        return (await conn.execute(query)).one()


async def staged_types(engine: AsyncEngine, external_id: str) -> list[str]:
    """The event types staged for one channel order, in outbox (publication) order."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.event_type)
            .where(t.OUTBOX.c.envelope["payload"]["external_id"].astext == external_id)
            .order_by(t.OUTBOX.c.id)
        )
        return [row.event_type for row in rows]


async def test_a_bad_delivery_in_a_batch_fails_alone_and_the_others_apply(api, connectors_engine):
    domain, secret = await shop(api)
    good, later = rest_order([("LAVENDER-SOAP", 2)]), rest_order([("HONEY-JAR", 1)])
    unpriced = rest_order([("BEESWAX-CANDLE", 1)])
    unpriced["line_items"][0]["price"] = "nine-ninety"  # the door reads no price
    orphan = rest_order([("ROSE-BALM", 1)])  # its refund comes before it

    await drain(connectors_engine)
    first = await post(api, domain, secret, "orders/create", good)
    bad = await post(api, domain, secret, "orders/create", unpriced)
    early = await post(api, domain, secret, "refunds/create", refund(orphan, {0: 1}))
    last = await post(api, domain, secret, "orders/create", later)
    taken = await process_batch(connectors_engine, SETTINGS)

    assert taken >= 4
    for webhook_id in (first, last):
        assert (await delivery(connectors_engine, webhook_id)).status == "done"
    for webhook_id, why in ((bad, "price"), (early, "not seen")):
        row = await delivery(connectors_engine, webhook_id)
        assert (row.status, row.attempts) == ("pending", 1)
        assert why in row.last_error
    assert await published(connectors_engine, RECEIVED, str(good["id"])) == 1
    assert await published(connectors_engine, RECEIVED, str(later["id"])) == 1
    assert await published(connectors_engine, RECEIVED, str(unpriced["id"])) == 0


async def test_one_order_delivered_twice_in_a_batch_is_one_order_and_keeps_its_order(
    api, connectors_engine
):
    domain, secret = await shop(api)
    order = rest_order([("LAVENDER-SOAP", 2)])

    await drain(connectors_engine)
    await post(api, domain, secret, "orders/create", order)
    again = await post(api, domain, secret, "orders/create", order)
    await post(api, domain, secret, "orders/updated", touched(order))
    await post(api, domain, secret, "orders/cancelled", cancelled(touched(order, seconds=5)))
    await process_batch(connectors_engine, SETTINGS)

    assert await staged_types(connectors_engine, str(order["id"])) == [
        RECEIVED,
        "connectors.channel_order_cancelled",
    ]
    assert (await delivery(connectors_engine, again)).outcome == "stale"
    async with connectors_engine.connect() as conn:
        stored = (
            await conn.execute(
                sa.select(t.shopify_order).where(
                    t.shopify_order.c.shop_domain == domain,
                    t.shopify_order.c.external_id == str(order["id"]),
                )
            )
        ).one()
    assert stored.cancelled_at is not None and stored.source == "webhook:orders/cancelled"


async def test_a_refund_in_a_batch_after_its_order_is_applied_after_it(api, connectors_engine):
    domain, secret = await shop(api)
    order = rest_order([("LAVENDER-SOAP", 2)])

    await drain(connectors_engine)
    await post(api, domain, secret, "orders/create", order)
    returned = await post(api, domain, secret, "refunds/create", refund(order, {0: 1}))
    await process_batch(connectors_engine, SETTINGS)

    assert (await delivery(connectors_engine, returned)).outcome == "restocked"
    assert await staged_types(connectors_engine, str(order["id"])) == [
        RECEIVED,
        "connectors.channel_refund_created",
    ]


async def test_a_batch_whose_transaction_fails_is_applied_one_delivery_at_a_time(
    api, connectors_engine, monkeypatch: pytest.MonkeyPatch
):
    domain, secret = await shop(api)
    orders = [rest_order([("HONEY-JAR", n)]) for n in (1, 2, 3)]

    async def broken(conn: Any, rows: Any) -> Any:
        await conn.execute(sa.text("SELECT 1 / 0"))  # the batch's transaction is lost

    await drain(connectors_engine)
    for order in orders:
        await post(api, domain, secret, "orders/create", order)
    monkeypatch.setattr(delivery_batch, "apply", broken)
    taken = await process_batch(connectors_engine, SETTINGS)

    assert taken >= 3
    for order in orders:
        assert await published(connectors_engine, RECEIVED, str(order["id"])) == 1


async def test_a_batch_of_twenty_new_orders_costs_a_handful_of_statements(api, connectors_engine):
    domain, secret = await shop(api)
    orders = [rest_order([(f"SOAP-{uuid.uuid4().hex[:6]}", 1)]) for _ in range(20)]
    await drain(connectors_engine)
    for order in orders:
        await post(api, domain, secret, "orders/create", order)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(connectors_engine.sync_engine, "before_cursor_execute", count)
    try:
        taken = await process_batch(connectors_engine, SETTINGS)
    finally:
        event.remove(connectors_engine.sync_engine, "before_cursor_execute", count)

    assert taken == 20
    # claim, lock, read, the shop's mappings and row, the states, the outbox, the outcomes
    assert len(statements) <= 8, statements
    for order in orders:
        assert await published(connectors_engine, RECEIVED, str(order["id"])) == 1
