"""The Shopify webhook inbox on the real PostgreSQL: a delivery is stored raw and answered
before anything is processed, so a crash in between loses nothing; a delivery that cannot
be processed goes dead after its tries and is replayed by an operator; the REST orders
client sorts Shopify's answers into retry-after-a-hint, retry, and refused."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from services.connectors.channels.port import Refused, RetryLater
from services.connectors.config import ShopifySyncSettings
from services.connectors.main import create_app
from services.connectors.shopify.delivery_worker import process_one
from services.connectors.shopify.reconciliation import reconcile_shop
from services.connectors.shopify.rest_orders import ShopifyOrdersRest
from shared.settings import Settings
from tests.e2e import shopify
from tests.fakes.shopify_admin import running_fake
from tests.fakes.shopify_orders import OPERATION, FakeOrdersListing, refund, rest_order, wire

SETTINGS = ShopifySyncSettings(inbox_max_attempts=2, inbox_poll_interval_seconds=0.001)


@pytest.fixture
async def app(settings: Settings, connectors_engine: AsyncEngine) -> FastAPI:
    """The connectors app without its lifespan: no worker runs, as after a crash."""
    app = create_app(settings)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=connectors_engine)
    return app


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://connectors") as client:
        yield client


async def shop(api: httpx.AsyncClient) -> tuple[str, str]:
    domain, secret = f"inbox-{uuid.uuid4().hex[:8]}.myshopify.com", uuid.uuid4().hex
    created = await api.post("/api/shops", json={"domain": domain, "webhook_secret": secret})
    assert created.status_code == 201
    return domain, secret


async def post(api: httpx.AsyncClient, domain: str, secret: str, topic: str, payload: Any) -> str:
    body = wire(payload)
    headers = shopify.headers(body, shop=domain, secret=secret, topic=topic)
    answer = await shopify.post(api, body, headers)
    assert answer.status_code == 200, answer.text
    return headers["X-Shopify-Webhook-Id"]


async def published(engine: AsyncEngine, event_type: str, external_id: str) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                sa.select(sa.func.count())
                .select_from(t.OUTBOX)
                .where(
                    t.OUTBOX.c.event_type == event_type,
                    t.OUTBOX.c.envelope["payload"]["external_id"].astext == external_id,
                )
            )
            or 0
        )


async def drain(engine: AsyncEngine) -> None:
    while await process_one(engine, SETTINGS):
        pass


async def test_an_accepted_webhook_waits_in_the_inbox_until_the_worker_applies_it_once(
    api, connectors_engine
):
    domain, secret = await shop(api)
    order = rest_order([("LAVENDER-SOAP", 2)])

    webhook_id = await post(api, domain, secret, "orders/create", order)
    waiting = await api.get(f"/api/webhook-deliveries/{webhook_id}")
    before = await published(
        connectors_engine, "connectors.inbound_order_received", str(order["id"])
    )
    await drain(connectors_engine)
    await drain(connectors_engine)

    assert (waiting.json()["status"], waiting.json()["external_id"]) == (
        "pending",
        str(order["id"]),
    )
    assert before == 0
    assert (
        await published(connectors_engine, "connectors.inbound_order_received", str(order["id"]))
        == 1
    )
    done = (await api.get(f"/api/webhook-deliveries/{webhook_id}")).json()
    assert (done["status"], done["outcome"]) == ("done", "new")


async def test_a_refund_before_its_order_goes_dead_and_an_operator_replays_it(
    api, connectors_engine
):
    domain, secret = await shop(api)
    order = rest_order([("LAVENDER-SOAP", 2)])
    webhook_id = await post(api, domain, secret, "refunds/create", refund(order, {0: 1}))

    for _ in range(SETTINGS.inbox_max_attempts):
        async with connectors_engine.begin() as conn:  # make the retry due now
            await conn.execute(
                t.webhook_delivery.update()
                .where(t.webhook_delivery.c.webhook_id == webhook_id)
                .values(due_at=None)
            )
        await drain(connectors_engine)
    dead = (await api.get("/api/webhook-deliveries", params={"status": "dead"})).json()
    await post(api, domain, secret, "orders/create", order)
    await drain(connectors_engine)
    replayed = await api.post(f"/api/webhook-deliveries/{webhook_id}/replay")
    twice = await api.post(f"/api/webhook-deliveries/{webhook_id}/replay")
    await drain(connectors_engine)

    [row] = [d for d in dead if d["webhook_id"] == webhook_id]
    assert row["attempts"] == 2 and "not seen" in row["last_error"]
    assert replayed.status_code == 200 and twice.status_code == 409
    assert (
        await published(connectors_engine, "connectors.channel_refund_created", str(order["id"]))
        == 1
    )


async def dead_deliveries(engine: AsyncEngine, domain: str) -> list[Any]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.webhook_delivery).where(t.webhook_delivery.c.shop_domain == domain)
        )
        return list(rows)


async def test_a_signed_bad_body_is_refused_and_kept_dead_for_replay(api, connectors_engine):
    domain, secret = await shop(api)
    floaty = b'{"id": 1.5e18, "updated_at": "2026-11-25T10:00:00Z", "line_items": []}'
    broken = b'{"id": 12, "line_items": ['
    floaty_headers = shopify.headers(floaty, shop=domain, secret=secret, topic="orders/updated")

    answers = [
        await shopify.post(api, floaty, floaty_headers),
        await shopify.post(api, floaty, floaty_headers),  # Shopify's retry of it
        await shopify.post(api, broken, shopify.headers(broken, shop=domain, secret=secret)),
    ]

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert "order.id" in answers[0].json()["detail"]
    assert "malformed JSON" in answers[2].json()["detail"]
    kept = await dead_deliveries(connectors_engine, domain)
    assert sorted(r.body for r in kept) == sorted([floaty, broken])  # once each, as signed
    assert {r.status for r in kept} == {"dead"}
    assert all(r.last_error.startswith("refused 400: ") for r in kept)


async def test_an_unsigned_bad_body_is_refused_and_nothing_is_stored(api, connectors_engine):
    domain, _ = await shop(api)
    broken = b'{"id": 12, "line_items": ['

    answer = await shopify.post(
        api, broken, shopify.headers(broken, shop=domain, secret="not-the-secret")
    )

    assert answer.status_code == 401
    assert await dead_deliveries(connectors_engine, domain) == []


async def test_a_signed_body_too_large_to_process_is_refused_and_kept(app, api, connectors_engine):
    domain, secret = await shop(api)
    order = rest_order([("SOAP-1", 1)], order_id=7301)
    order["note"] = "x" * 4096  # a wholesale order's long note
    body = wire(order)
    app.state.max_processed_webhook_bytes = 2048

    answer = await shopify.post(
        api, body, shopify.headers(body, shop=domain, secret=secret, topic="orders/create")
    )

    assert answer.status_code == 413
    [kept] = await dead_deliveries(connectors_engine, domain)
    assert (kept.status, kept.body) == ("dead", body)
    assert kept.last_error == f"refused 413: body of {len(body)} bytes exceeds 2048"


async def test_the_orders_listing_pages_with_a_cursor_and_sorts_faults():
    async with running_fake() as admin, httpx.AsyncClient() as http:
        listing = FakeOrdersListing(admin)
        for _ in range(5):
            listing.put(rest_order([("HONEY", 1)]))
        client = ShopifyOrdersRest(http, listing.url, admin.access_token)
        url, params = client.first_page(datetime(2020, 1, 1, tzinfo=UTC), limit=2)

        pages = [await client.page(url, params)]
        while pages[-1].next_url:
            pages.append(await client.page(pages[-1].next_url))
        admin.fail_next(429, operation=OPERATION, retry_after=0.25)
        with pytest.raises(RetryLater) as throttled:
            await client.page(url, params)
        admin.fail_next(503, operation=OPERATION)
        with pytest.raises(RetryLater):
            await client.page(url, params)
        with pytest.raises(Refused, match="HTTP 401"):
            await ShopifyOrdersRest(http, listing.url, "wrong").page(url, params)

    assert [len(p.orders) for p in pages] == [2, 2, 1]
    assert len({o["id"] for p in pages for o in p.orders}) == 5
    assert throttled.value.wait_seconds == 0.25


async def test_a_shop_that_never_answers_is_a_timeout_to_retry():
    server = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, httpx.AsyncClient(timeout=0.2) as http:
        client = ShopifyOrdersRest(http, f"http://127.0.0.1:{port}/orders.json", "token")

        with pytest.raises(RetryLater, match="network"):
            await client.page(f"http://127.0.0.1:{port}/orders.json")


async def test_an_unreadable_order_found_by_reconciliation_is_kept_dead_never_dropped(
    api, connectors_engine
):
    domain, _ = await shop(api)
    good, bad = rest_order([("HONEY", 1)]), rest_order([("HONEY", 2)])
    for line in bad["line_items"]:
        line["quantity"] = line["current_quantity"] = "two"
    async with running_fake() as admin, httpx.AsyncClient() as http:
        listing = FakeOrdersListing(admin)
        listing.put(good)
        listing.put(bad)
        patched = await api.patch(
            f"/api/shops/{domain}",
            json={"admin_api_url": admin.url, "access_token": admin.access_token},
        )
        assert patched.status_code == 200, patched.text
        first = await reconcile_shop(connectors_engine, http, domain, SETTINGS)
        again = await reconcile_shop(connectors_engine, http, domain, SETTINGS)

    dead = (await api.get("/api/webhook-deliveries", params={"status": "dead"})).json()
    kept = [d for d in dead if d["external_id"] == str(bad["id"])]
    assert first.error is None and again.error is None
    assert len(kept) == 1  # the same picture read twice is kept once
    assert "line_items[0]" in kept[0]["last_error"]
    assert (
        await published(connectors_engine, "connectors.inbound_order_received", str(good["id"]))
        == 1
    )
    assert (
        await published(connectors_engine, "connectors.inbound_order_received", str(bad["id"])) == 0
    )
