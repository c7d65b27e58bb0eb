"""Shopify write-back on the real PostgreSQL against the fake Shopify Admin API over HTTP,
through the connectors' own HTTP client (nothing patched)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import handlers, service
from services.connectors import tables as t
from services.connectors.channels.port import Refused
from services.connectors.config import WriteBackSettings
from services.connectors.shopify.admin import ShopifyAdmin
from services.connectors.write_back import shipped_orders
from services.connectors.write_back.write_back_worker import WriteBackWorker
from shared.consuming import apply_once
from shared.contracts import topics
from shared.contracts.envelope import Envelope
from shared.contracts.orders import ShipmentDispatched, ShippedLot
from shared.messaging import route
from shared.units import Quantity
from tests.fakes.shopify_admin import INVALID_QUANTITY, FakeShopifyAdmin, running_fake

FAST = WriteBackSettings(
    poll_interval_seconds=0.05,
    max_attempts=4,
    backoff_initial_seconds=0.01,
    backoff_max_seconds=0.05,
    jitter_seconds=0.01,
    max_wait_seconds=1.0,
    http_timeout_seconds=5.0,
    lease_seconds=30.0,
)
LAVENDER, HONEY = "13260832866512", "13260832866513"


def shopify_id() -> str:
    return str(random.randint(2**60, 2**63 - 1))


@pytest.fixture
async def fake() -> AsyncIterator[FakeShopifyAdmin]:
    async with running_fake() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=FAST.http_timeout_seconds) as client:
        yield client


async def shop_for(engine: AsyncEngine, fake: FakeShopifyAdmin, *, notify: bool = False) -> str:
    domain = f"lavender-{uuid.uuid4().hex[:8]}.myshopify.com"
    await service.register_shop(
        engine,
        domain=domain,
        channel="shopify",
        secret="webhook-secret",
        admin={
            "admin_api_url": fake.url,
            "access_token": fake.access_token,
            "notify_customer": notify,
        },
    )
    return domain


def dispatched(
    shop: str, external_id: str, *lines: tuple[str, int], tracking: str | None = None
) -> ShipmentDispatched:
    number = tracking or f"JJD{random.randint(10**9, 10**10)}"
    return ShipmentDispatched(
        order_id=uuid.uuid4(),
        shipment_id=uuid.uuid4(),
        channel="shopify",
        shop=shop,
        external_id=external_id,
        carrier="DHL",
        tracking_number=number,
        tracking_url=f"https://track.example/{number}",
        lots=tuple(
            ShippedLot(
                line_no=i + 1,
                external_line_id=line_item,
                item_code="LAVENDER-SOAP-250G",
                lot_code=f"L-{i}",
                quantity=Quantity.of(qty, "pc"),
            )
            for i, (line_item, qty) in enumerate(lines)
        ),
        completes_order=False,
    )


async def staged(engine: AsyncEngine, event: ShipmentDispatched) -> Any:
    """Stage the shipment's write-back and return its row."""
    envelope = Envelope.wrap(event)
    await apply_once(engine, shipped_orders.stage_for_shipment, envelope, event)
    return await row_of(engine, event.shipment_id)


async def row_of(engine: AsyncEngine, shipment_id: uuid.UUID) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(t.write_back).where(t.write_back.c.shipment_id == shipment_id)
            )
        ).one()


async def staged_events(engine: AsyncEngine, event_type: str, shipment_id: uuid.UUID) -> list[Any]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.envelope).where(
                t.OUTBOX.c.event_type == event_type,
                t.OUTBOX.c.envelope["payload"]["shipment_id"].astext == str(shipment_id),
            )
        )
        return [r.envelope for r in rows]


async def test_throttled_then_503_then_ok_creates_one_fulfillment(connectors_engine, fake, http):
    shop = await shop_for(connectors_engine, fake, notify=True)
    external_id = shopify_id()
    fake.add_order(external_id, [(LAVENDER, "LAV-250", 3), (HONEY, "HON-500", 2)])
    fake.throttle_next(1)
    fake.fail_next(503, 1)
    event = dispatched(shop, external_id, (LAVENDER, 3), (HONEY, 2))
    row = await staged(connectors_engine, event)

    await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)

    done = await row_of(connectors_engine, event.shipment_id)
    [fulfillment] = fake.fulfillments(external_id)
    assert (done.status, done.attempts, done.external_fulfillment_id) == (
        "done",
        3,
        fulfillment.gid,
    )
    assert "HTTP 503" in done.last_error
    assert [(r.operation, r.status) for r in fake.requests] == [
        ("order", 200),  # THROTTLED
        ("order", 503),
        ("order", 200),
        ("fulfillmentCreate", 200),
    ]
    assert fulfillment.tracking == {
        "number": event.tracking_number,
        "url": event.tracking_url,
        "company": "DHL",
    }
    assert fulfillment.notify_customer is True
    assert fake.orders[external_id].remaining(LAVENDER) == 0
    [published] = await staged_events(
        connectors_engine, "connectors.channel_fulfilled", event.shipment_id
    )
    assert published["payload"]["external_fulfillment_id"] == fulfillment.gid
    assert published["causation_id"] == str(row.causation_id)


async def test_a_fake_that_keeps_failing_leaves_a_dead_write_back_with_the_reason(
    connectors_engine, fake, http
):
    shop = await shop_for(connectors_engine, fake)
    external_id = shopify_id()
    fake.add_order(external_id, [(LAVENDER, "LAV-250", 3)])
    fake.fail_always(503)
    event = dispatched(shop, external_id, (LAVENDER, 3))
    row = await staged(connectors_engine, event)

    await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)

    dead = await row_of(connectors_engine, event.shipment_id)
    assert (dead.status, dead.attempts) == ("dead", FAST.max_attempts)
    assert dead.last_error.startswith("HTTP 503")
    assert len(fake.requests) == FAST.max_attempts
    assert fake.fulfillments(external_id) == []
    [failed] = await staged_events(
        connectors_engine, "connectors.channel_write_back_failed", event.shipment_id
    )
    assert failed["payload"]["write_back_id"] == str(row.id)
    assert failed["payload"]["reason"] == dead.last_error


async def test_a_replay_after_shopify_recovers_fulfils_exactly_once(connectors_engine, fake, http):
    shop = await shop_for(connectors_engine, fake)
    external_id = shopify_id()
    fake.add_order(external_id, [(LAVENDER, "LAV-250", 3)])
    fake.fail_always(500)
    event = dispatched(shop, external_id, (LAVENDER, 3))
    row = await staged(connectors_engine, event)
    await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)
    fake.recover()

    replayed = await shipped_orders.replay(connectors_engine, row.id)
    await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)

    assert (replayed.status, replayed.attempts) == ("pending", 0)
    done = await row_of(connectors_engine, event.shipment_id)
    assert (done.status, done.attempts) == ("done", 1)
    assert len(fake.fulfillments(external_id)) == 1
    with pytest.raises(shipped_orders.NotReplayable):
        await shipped_orders.replay(connectors_engine, row.id)


async def test_a_redelivered_shipment_makes_one_write_back(connectors_engine, fake, http):
    shop = await shop_for(connectors_engine, fake)
    external_id = shopify_id()
    fake.add_order(external_id, [(LAVENDER, "LAV-250", 3)])
    event = dispatched(shop, external_id, (LAVENDER, 3))
    envelope = Envelope.wrap(event)

    first = await apply_once(connectors_engine, shipped_orders.stage_for_shipment, envelope, event)
    again = await apply_once(connectors_engine, shipped_orders.stage_for_shipment, envelope, event)
    republished = await apply_once(
        connectors_engine, shipped_orders.stage_for_shipment, Envelope.wrap(event), event
    )
    await shipped_orders.perform(
        connectors_engine,
        http,
        FAST,
        write_back_id=(await row_of(connectors_engine, event.shipment_id)).id,
    )

    assert (first, again, republished) == (True, None, False)  # None: a redelivery
    async with connectors_engine.connect() as conn:
        count = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.write_back)
            .where(t.write_back.c.shipment_id == event.shipment_id)
        )
    assert count == 1
    assert len(fake.fulfillments(external_id)) == 1


async def test_a_partial_shipment_fulfils_only_its_line_quantities(connectors_engine, fake, http):
    shop = await shop_for(connectors_engine, fake)
    external_id = shopify_id()
    order = fake.add_order(external_id, [(LAVENDER, "LAV-250", 3), (HONEY, "HON-500", 2)])
    first = dispatched(shop, external_id, (LAVENDER, 2))
    rest = dispatched(shop, external_id, (LAVENDER, 1), (HONEY, 2))

    for event in (first, rest):
        row = await staged(connectors_engine, event)
        await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)
        if event is first:
            assert (order.remaining(LAVENDER), order.remaining(HONEY)) == (1, 2)
            assert order.fulfillment_orders[0].status == "IN_PROGRESS"

    one, two = fake.fulfillments(external_id)
    lavender, honey = order.fulfillment_orders[0].lines
    assert one.lines == [(lavender.id, 2)]
    assert sorted(two.lines) == sorted([(lavender.id, 1), (honey.id, 2)])
    assert order.fulfillment_orders[0].status == "CLOSED"
    assert {(await row_of(connectors_engine, e.shipment_id)).status for e in (first, rest)} == {
        "done"
    }


async def test_an_answer_lost_after_shopify_created_the_fulfillment_is_not_fulfilled_twice(
    connectors_engine, fake, http
):
    shop = await shop_for(connectors_engine, fake)
    external_id = shopify_id()
    order = fake.add_order(external_id, [(LAVENDER, "LAV-250", 3), (HONEY, "HON-500", 2)])
    fake.fail_next(503, operation="fulfillmentCreate", after_applying=True)
    event = dispatched(shop, external_id, (LAVENDER, 1))  # partial: lines still remain after it
    row = await staged(connectors_engine, event)

    await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)

    [fulfillment] = fake.fulfillments(external_id)
    done = await row_of(connectors_engine, event.shipment_id)
    assert (done.status, done.external_fulfillment_id) == ("done", fulfillment.gid)
    assert order.remaining(LAVENDER) == 2


async def test_a_replay_of_a_write_back_shopify_already_has_creates_nothing(
    connectors_engine, fake, http
):
    shop = await shop_for(connectors_engine, fake)
    external_id = shopify_id()
    order = fake.add_order(external_id, [(LAVENDER, "LAV-250", 3)])
    await service.update_shop(connectors_engine, shop, {"access_token": "shpat_revoked"})
    event = dispatched(shop, external_id, (LAVENDER, 3))
    row = await staged(connectors_engine, event)
    await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)
    dead = await row_of(connectors_engine, event.shipment_id)
    order.fulfillment_orders[0].lines[0].remaining = 0  # the merchant fulfilled it by hand
    order.fulfillment_orders[0].status = "CLOSED"
    await service.update_shop(connectors_engine, shop, {"access_token": fake.access_token})

    await shipped_orders.replay(connectors_engine, row.id)
    await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)

    assert (dead.status, dead.attempts) == ("dead", 1)  # a refused token is not retried
    assert "Invalid API key or access token" in dead.last_error
    done = await row_of(connectors_engine, event.shipment_id)
    assert (done.status, done.external_fulfillment_id) == ("done", None)
    assert fake.requests_for("fulfillmentCreate") == []


async def test_a_429_waits_as_long_as_retry_after_says(connectors_engine, fake, http):
    shop = await shop_for(connectors_engine, fake)
    external_id = shopify_id()
    fake.add_order(external_id, [(LAVENDER, "LAV-250", 1)])
    fake.fail_next(429, retry_after=0.3)
    row = await staged(connectors_engine, dispatched(shop, external_id, (LAVENDER, 1)))
    started = time.monotonic()

    await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)

    assert time.monotonic() - started >= 0.3
    assert (await row_of(connectors_engine, row.shipment_id)).status == "done"


async def test_shipping_more_than_shopify_has_left_is_dead_without_asking_to_fulfil(
    connectors_engine, fake, http
):
    shop = await shop_for(connectors_engine, fake)
    external_id = shopify_id()
    fake.add_order(external_id, [(LAVENDER, "LAV-250", 1)])
    row = await staged(connectors_engine, dispatched(shop, external_id, (LAVENDER, 2)))

    await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)

    dead = await row_of(connectors_engine, row.shipment_id)
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert "2 shipped, only 1 can be fulfilled" in dead.last_error
    assert fake.requests_for("fulfillmentCreate") == []


async def test_shopifys_user_errors_are_a_refusal_with_its_messages(fake, http):
    order = fake.add_order(shopify_id(), [(LAVENDER, "LAV-250", 1)])
    fo = order.fulfillment_orders[0]
    client = ShopifyAdmin(http, fake.url, fake.access_token)
    variables = {
        "fulfillment": {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": f"gid://shopify/FulfillmentOrder/{fo.id}",
                    "fulfillmentOrderLineItems": [
                        {
                            "id": f"gid://shopify/FulfillmentOrderLineItem/{fo.lines[0].id}",
                            "quantity": 5,
                        }
                    ],
                }
            ],
            "notifyCustomer": False,
        }
    }

    with pytest.raises(Refused, match=INVALID_QUANTITY):
        await client.create_fulfillment(variables)

    assert [r.status for r in fake.requests] == [200]
    assert order.remaining(LAVENDER) == 1


async def test_an_unmappable_shipment_is_born_dead_and_says_so(connectors_engine, fake):
    shop = await shop_for(connectors_engine, fake)
    event = dispatched(shop, shopify_id(), (LAVENDER, 1)).model_copy(
        update={
            "lots": (
                ShippedLot(line_no=1, item_code="X", lot_code="L", quantity=Quantity.of("1", "pc")),
            )
        }
    )

    accepted = await apply_once(
        connectors_engine, shipped_orders.stage_for_shipment, Envelope.wrap(event), event
    )

    row = await row_of(connectors_engine, event.shipment_id)
    assert accepted is False
    assert (row.status, row.last_error) == ("dead", "line 1 has no Shopify line item id")
    assert (
        len(
            await staged_events(
                connectors_engine, "connectors.channel_write_back_failed", event.shipment_id
            )
        )
        == 1
    )


class Subscriptions:
    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def consume(self, _broker: Any, topic: str, engine: Any, routes: Any, *, name: str) -> None:
        async def handler(envelope: Envelope, event: Any) -> None:
            use_case = route(routes, event)
            if use_case is not None:
                await apply_once(engine, use_case, envelope, event)

        self.handlers[topic] = handler


async def test_the_order_events_handler_stages_shopify_shipments_and_wakes_the_worker(
    connectors_engine, fake
):
    shop = await shop_for(connectors_engine, fake)
    subscriptions, woken = Subscriptions(), []
    handlers.register(subscriptions, None, connectors_engine, on_staged=lambda: woken.append(1))  # type: ignore[arg-type]
    on_order_event = subscriptions.handlers[topics.ORDERS]
    shopify = dispatched(shop, shopify_id(), (LAVENDER, 1))
    other = shopify.model_copy(update={"shipment_id": uuid.uuid4(), "channel": "manual"})

    for event in (shopify, other):
        await on_order_event(Envelope.wrap(event), event)

    assert woken == [1]
    assert (await row_of(connectors_engine, shopify.shipment_id)).status == "pending"
    async with connectors_engine.connect() as conn:
        assert (
            await conn.scalar(
                sa.select(sa.func.count())
                .select_from(t.write_back)
                .where(t.write_back.c.shipment_id == other.shipment_id)
            )
            == 0
        )
    # leave nothing pending for other tests' workers
    async with httpx.AsyncClient() as http:
        fake.add_order(shopify.external_id, [(LAVENDER, "LAV-250", 1)])
        row = await row_of(connectors_engine, shopify.shipment_id)
        await shipped_orders.perform(connectors_engine, http, FAST, write_back_id=row.id)


async def test_the_worker_performs_a_staged_write_back_when_woken(connectors_engine, fake):
    shop = await shop_for(connectors_engine, fake)
    external_id = shopify_id()
    fake.add_order(external_id, [(LAVENDER, "LAV-250", 2)])
    worker = WriteBackWorker(
        connectors_engine, FAST.model_copy(update={"poll_interval_seconds": 30})
    )
    worker.start()
    try:
        event = dispatched(shop, external_id, (LAVENDER, 2))
        await staged(connectors_engine, event)
        worker.wake()
        deadline = time.monotonic() + 10
        while (await row_of(connectors_engine, event.shipment_id)).status == "pending":
            assert time.monotonic() < deadline, f"still pending; Shopify saw {fake.requests}"
            await asyncio.sleep(0.02)
    finally:
        await worker.stop()

    assert (await row_of(connectors_engine, event.shipment_id)).status == "done"
    assert len(fake.fulfillments(external_id)) == 1
