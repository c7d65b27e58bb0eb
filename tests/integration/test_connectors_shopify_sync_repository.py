"""The Shopify sync's batch queries on the real PostgreSQL: many orders read by their
(shop, external id) pairs — a pair, not each half on its own — saved in one round trip
with a stored cancellation never cleared, locked in one statement, and the soonest
pending delivery."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from services.connectors.shopify import sync_repository as repo
from services.connectors.shopify.order_state import StoredOrder

pytestmark = pytest.mark.integration

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def test_orders_are_read_by_their_pair_and_saved_keeping_a_cancellation(
    connectors_engine: AsyncEngine,
) -> None:
    a, b = f"a-{uuid.uuid4().hex[:8]}.myshopify.com", f"b-{uuid.uuid4().hex[:8]}.myshopify.com"
    first = StoredOrder(AT, None, {"1": 2})
    cancelled = StoredOrder(AT, AT + timedelta(hours=1), {"1": 0})
    async with connectors_engine.begin() as conn:
        await repo.lock_orders(conn, [(b, "2"), (a, "1"), (a, "1")])
        saved = [(a, "1", first), (b, "2", cancelled), (a, "2", first)]
        await repo.save_orders(conn, [(s, e, state, "webhook") for s, e, state in saved])
        # (a, 2) is stored, (b, 1) is not: asked for (a, 1), (b, 2) and (b, 1), only the
        # pairs asked for come back, not every shop asked for with every id asked for.
        found = await repo.stored_orders(conn, [(a, "1"), (b, "2"), (b, "1"), (a, "1")])
    assert found == {(a, "1"): first, (b, "2"): cancelled}

    later = StoredOrder(AT + timedelta(hours=2), None, {"1": 3})
    async with connectors_engine.begin() as conn:
        await repo.save_orders(conn, [(a, "1", later, "reconcile"), (b, "2", later, "reconcile")])
        again = await repo.stored_orders(conn, [(a, "1"), (b, "2")])
        single = await repo.stored_order(conn, b, "2")
    assert again[(a, "1")] == later
    assert again[(b, "2")] == StoredOrder(later.updated_at, cancelled.cancelled_at, {"1": 3})
    assert single == again[(b, "2")]
    async with connectors_engine.connect() as conn:
        assert await repo.stored_orders(conn, []) == {}
        assert await repo.stored_order(conn, b, "1") is None


async def test_soonest_due_is_the_earliest_pending_delivery_and_the_databases_now(
    connectors_engine: AsyncEngine,
) -> None:
    webhook_id = f"hot-{uuid.uuid4()}"
    long_ago = datetime(2001, 1, 1, tzinfo=UTC)
    D = t.webhook_delivery
    async with connectors_engine.begin() as conn:
        await repo.insert_delivery(
            conn,
            webhook_id=webhook_id,
            shop_domain="due.myshopify.com",
            topic="orders/create",
            outcome="accepted",
            body=b"{}",
            status="pending",
        )
        await conn.execute(D.update().where(D.c.webhook_id == webhook_id).values(due_at=long_ago))
    try:
        due, now = await repo.soonest_due(connectors_engine)
    finally:
        async with connectors_engine.begin() as conn:
            await conn.execute(D.delete().where(D.c.webhook_id == webhook_id))
    assert due == long_ago
    assert now.tzinfo is not None and now > long_ago
