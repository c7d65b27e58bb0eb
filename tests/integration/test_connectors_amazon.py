"""Amazon on the real PostgreSQL against the fake Selling Partner API over loopback HTTP,
through the connectors' own client and token store (nothing patched)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from services.connectors.amazon import order_changes, poller, repository, service, tokens
from services.connectors.amazon.client import SpApi
from services.connectors.amazon.config import AmazonSettings
from services.connectors.amazon.ratelimit import OperationLimiter
from services.connectors.channels.port import Refused
from services.connectors.config import WriteBackSettings
from tests.fakes.amazon import FakeAmazon, order, order_id, order_item, running_fake
from tests.fakes.amazon_sqs import order_change
from tests.integration.advisory_locks import racing_one_refresh


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmazon]:
    async with running_fake() as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def settings_for(fake: FakeAmazon) -> AmazonSettings:
    return AmazonSettings(
        lwa_token_url=fake.token_url, endpoints={"eu": fake.base_url}, refresh_margin_seconds=60
    )


async def connected(engine: AsyncEngine, fake: FakeAmazon) -> str:
    seller = fake.seller()
    await service.connect_seller(
        engine,
        settings_for(fake),
        seller_id=seller.seller_id,
        marketplace_ids=["A1PA6795UKMFR9"],
        region="eu",
        lwa_client_id=seller.client_id,
        lwa_client_secret=seller.client_secret,
        refresh_token=seller.refresh_token,
    )
    return seller.seller_id


async def test_concurrent_callers_of_an_expired_token_refresh_it_once(
    connectors_engine, fake, http
):
    seller_id = await connected(connectors_engine, fake)
    api = SpApi(http, settings_for(fake), limiter=OperationLimiter())
    first = await tokens.access_token(connectors_engine, api, seller_id, margin_seconds=60)
    async with connectors_engine.begin() as conn:  # the hour is up
        await repository.save_access_token(
            conn, seller_id, access_token=first, expires_at=datetime.now(UTC) - timedelta(1)
        )

    got = await racing_one_refresh(
        connectors_engine,
        fake.token_answers,
        lambda: tokens.access_token(connectors_engine, api, seller_id, margin_seconds=60),
    )

    assert len(set(got)) == 1 and got[0] != first
    assert fake.sellers[seller_id].refreshes == 2  # the first token, then one refresh for eight


async def test_secrets_are_stored_encrypted(connectors_engine, fake, http):
    seller_id = await connected(connectors_engine, fake)
    seller = fake.sellers[seller_id]
    S = t.amazon_seller
    raw = [sa.cast(S.c.lwa_client_secret, sa.Text), sa.cast(S.c.refresh_token, sa.Text)]
    async with connectors_engine.connect() as conn:
        stored = (await conn.execute(sa.select(*raw).where(S.c.seller_id == seller_id))).one()
    assert seller.client_secret not in stored[0] and seller.refresh_token not in stored[1]
    assert stored[0].startswith("gAAAAA") and stored[1].startswith("gAAAAA")


async def test_invalid_grant_marks_the_seller_revoked_with_the_operators_message(
    connectors_engine, fake, http
):
    seller_id = await connected(connectors_engine, fake)
    fake.revoke(seller_id)
    api = SpApi(http, settings_for(fake), limiter=OperationLimiter())

    with pytest.raises(Refused, match="refused the refresh token"):
        await tokens.access_token(connectors_engine, api, seller_id, margin_seconds=60)

    async with connectors_engine.connect() as conn:
        row = await repository.seller(conn, seller_id)
        polled = [r.seller_id for r in await repository.connected_sellers(conn)]
    assert row.revoked_at is not None and "invalid_grant" in row.revoked_reason
    assert seller_id not in polled
    with pytest.raises(Refused, match="refused the refresh token"):  # no second LWA call
        await tokens.access_token(connectors_engine, api, seller_id, margin_seconds=60)
    assert len(fake.requests_to("POST", "/auth/o2/token")) == 1


async def test_an_unreadable_order_is_kept_then_published_once_amazon_fixes_it(
    connectors_engine, fake, http
):
    seller_id = await connected(connectors_engine, fake)
    api = SpApi(http, settings_for(fake), limiter=OperationLimiter())
    retries = WriteBackSettings(max_attempts=2, backoff_initial_seconds=0.01, jitter_seconds=0)
    oid = order_id()
    items = [order_item("SOAP", 1, "9.90")]
    broken = order(oid, items)
    broken["OrderTotal"] = {"CurrencyCode": "EUR", "Amount": 9.9}  # a float: not Amazon money
    fake.add_order(seller_id, broken, items)

    first = await poller.poll_seller(
        connectors_engine, api, seller_id, settings=settings_for(fake), retries=retries
    )
    async with connectors_engine.connect() as conn:
        kept = await repository.peek_order(conn, seller_id, oid)
    fake.update_order(seller_id, oid, OrderTotal={"CurrencyCode": "EUR", "Amount": "9.90"})
    second = await poller.poll_seller(
        connectors_engine, api, seller_id, settings=settings_for(fake), retries=retries
    )
    third = await poller.poll_seller(
        connectors_engine, api, seller_id, settings=settings_for(fake), retries=retries
    )

    assert first.published == 0 and kept.outcome == "unreadable"
    assert "OrderTotal.Amount" in kept.problem
    assert (second.published, third.published) == (1, 0)
    async with connectors_engine.connect() as conn:
        row = await repository.peek_order(conn, seller_id, oid)
    assert (row.outcome, row.total_amount, row.problem) == ("published", Decimal("9.90"), None)


def quick_retries() -> WriteBackSettings:
    return WriteBackSettings(
        max_attempts=2,
        backoff_initial_seconds=0.01,
        backoff_max_seconds=0.02,
        jitter_seconds=0.0,
        max_wait_seconds=0.05,
    )


def message(n: int, body: str) -> order_changes.Message:
    return order_changes.Message(message_id=f"m-{n}", body=body, receipt_handle=f"h-{n}")


async def test_a_batch_of_notifications_is_deleted_once_handled_and_kept_when_amazon_is_down(
    connectors_engine, fake, http
):
    seller_id = await connected(connectors_engine, fake)
    settings = settings_for(fake)
    api = SpApi(http, settings, limiter=OperationLimiter())
    placed, missing, down = order_id(), order_id(), order_id()
    for oid in (placed, down):
        items = [order_item("SOAP-1", 1, "4.50")]
        fake.add_order(seller_id, order(oid, items), items)
    body = {
        oid: order_change(seller_id, fake.sellers[seller_id].orders[oid]) for oid in (placed, down)
    }
    body[missing] = order_change(
        seller_id, {**fake.sellers[seller_id].orders[placed], "AmazonOrderId": missing}
    )
    batch = [
        message(1, body[placed]),
        message(2, body[placed]),  # a duplicate in the same batch: one getOrder
        message(3, "{not json"),
        message(4, order_change("AUNKNOWNSELLER1", fake.sellers[seller_id].orders[placed])),
        message(5, body[missing]),  # Amazon does not know it: 404, refused
        message(6, body[down]),
    ]
    fake.fail_next(503, 2, path_contains=f"/orders/v0/orders/{down}")  # past the budget

    handled = await order_changes.handle(
        connectors_engine, api, batch, settings=settings, retries=quick_retries()
    )

    assert sorted(m.message_id for m in handled.delete) == ["m-1", "m-2", "m-3", "m-4", "m-5"]
    assert (handled.orders, handled.published) == (1, 1)
    assert (
        len(fake.requests_to("GET", f"/orders/v0/orders/{placed}"))
        - len(fake.requests_to("GET", f"/orders/v0/orders/{placed}/orderItems"))
        == 1
    )
    async with connectors_engine.connect() as conn:
        assert (await repository.peek_order(conn, seller_id, placed)).outcome == "published"
        assert await repository.peek_order(conn, seller_id, down) is None

    again = await order_changes.handle(  # redelivered once Amazon is back
        connectors_engine, api, [message(7, body[down])], settings=settings, retries=quick_retries()
    )

    assert [m.message_id for m in again.delete] == ["m-7"] and again.published == 1
