"""Bounded storage over the real database and broker: the inbox prune deletes only ids
past the window, one instance at a time; done webhook deliveries go, pending and dead ones
stay; topics get their retention when created and again when it drifted."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as ct
from services.connectors.shopify.sync_repository import DONE_DELIVERIES
from shared.contracts import topics
from shared.inbox import INBOX
from shared.messaging import ensure_topics, topic_retention
from shared.retention import LOCK_PREFIX, RetentionWorker, cutoff, inbox_prune, prune_batch
from shared.settings import Settings

WINDOW_DAYS = 30.0


async def _inbox_rows(engine: AsyncEngine, consumer: str, ages: list[float]) -> list[uuid.UUID]:
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in ages]
    rows = [
        {"consumer": consumer, "event_id": event_id, "processed_at": now - timedelta(days=age)}
        for event_id, age in zip(ids, ages, strict=True)
    ]
    async with engine.begin() as conn:
        await conn.execute(INBOX.insert(), rows)
    return ids


async def _kept(engine: AsyncEngine, consumer: str) -> set[uuid.UUID]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(INBOX.c.event_id).where(INBOX.c.consumer == consumer))
    return {r[0] for r in rows}


async def test_the_inbox_prune_deletes_only_ids_older_than_the_window(orders_engine):
    consumer = f"test-{uuid.uuid4().hex[:6]}"
    old = await _inbox_rows(orders_engine, consumer, [45, 31, 30.01])
    young = await _inbox_rows(orders_engine, consumer, [29.9, 2, 0])
    worker = RetentionWorker(
        orders_engine, [inbox_prune()], window_days=WINDOW_DAYS, batch_size=2, interval=3600
    )

    while await worker.step() >= 2:  # a full batch goes again at once, as on the loop
        pass

    kept = await _kept(orders_engine, consumer)
    assert kept == set(young)
    assert not kept & set(old)


async def test_a_second_instance_leaves_the_prune_to_the_one_holding_the_lock(orders_engine):
    consumer = f"test-{uuid.uuid4().hex[:6]}"
    old = await _inbox_rows(orders_engine, consumer, [40] * 5)
    before = cutoff(datetime.now(UTC), WINDOW_DAYS)
    lock = sa.func.pg_try_advisory_xact_lock(sa.func.hashtextextended(LOCK_PREFIX + "inbox", 0))

    async with orders_engine.begin() as other:  # another instance, mid-prune
        assert await other.scalar(sa.select(lock))
        assert await prune_batch(orders_engine, inbox_prune(), before=before, limit=100) == -1
        assert await _kept(orders_engine, consumer) == set(old)

    assert await prune_batch(orders_engine, inbox_prune(), before=before, limit=100) >= 5
    assert await _kept(orders_engine, consumer) == set()


async def test_concurrent_prunes_never_conflict_and_delete_each_row_once(orders_engine):
    consumer = f"test-{uuid.uuid4().hex[:6]}"
    await _inbox_rows(orders_engine, consumer, [40] * 30)
    before = cutoff(datetime.now(UTC), WINDOW_DAYS)

    async def instance() -> list[int]:
        done = []
        while (n := await prune_batch(orders_engine, inbox_prune(), before=before, limit=3)) != 0:
            done.append(n)
            await asyncio.sleep(0)
        return done

    first, second = await asyncio.gather(instance(), instance())

    assert await _kept(orders_engine, consumer) == set()
    assert sum(n for n in first + second if n > 0) >= 30  # other tests' old rows may add


async def test_done_webhook_deliveries_past_the_window_go_pending_and_dead_stay(
    connectors_engine,
):
    D = ct.webhook_delivery
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:6]
    rows = {
        f"{tag}-done-old": ("done", 40),
        f"{tag}-done-young": ("done", 1),
        f"{tag}-dead-old": ("dead", 40),
        f"{tag}-pending-old": ("pending", 40),
    }
    async with connectors_engine.begin() as conn:
        await conn.execute(
            D.insert(),
            [
                {
                    "webhook_id": webhook_id,
                    "shop_domain": "test.myshopify.com",
                    "topic": "orders/create",
                    "outcome": "applied",
                    "status": status,
                    "received_at": now - timedelta(days=age),
                }
                for webhook_id, (status, age) in rows.items()
            ],
        )
    before = cutoff(now, WINDOW_DAYS)

    while await prune_batch(connectors_engine, DONE_DELIVERIES, before=before, limit=100) > 0:
        pass

    async with connectors_engine.connect() as conn:
        kept = set(
            await conn.scalars(sa.select(D.c.webhook_id).where(D.c.webhook_id.like(f"{tag}-%")))
        )
    assert kept == {f"{tag}-done-young", f"{tag}-dead-old", f"{tag}-pending-old"}


@pytest.fixture
def kafka(settings: Settings):
    return settings.kafka.model_copy(
        update={"topic_prefix": f"{settings.kafka.topic_prefix}{uuid.uuid4().hex[:6]}."}
    )


async def _retention(kafka, names: list[str]) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        return await topic_retention(admin, names)
    finally:
        await admin.close()


async def _described(kafka, topic: str, expected: int | None = None) -> int | None:
    """The topic's retention once the broker reports it (and ``expected``, when given): a
    topic just created, or a config just altered, reaches the broker's metadata a moment
    later."""
    found: dict[str, int] = {}
    for _ in range(100):
        found = await _retention(kafka, [topic])
        if topic in found and expected in (None, found[topic]):
            return found[topic]
        await asyncio.sleep(0.1)
    return found.get(topic)


async def test_new_topics_get_their_retention(kafka):
    await ensure_topics(kafka, topics.ALL)

    names = [kafka.topic(n) for n in topics.ALL]
    dlqs = [kafka.topic(topics.dead_letter(n)) for n in topics.ALL]
    found = {topic: await _described(kafka, topic) for topic in names + dlqs}
    assert {found[n] for n in names} == {-1}
    assert {found[n] for n in dlqs} == {topics.DEAD_LETTER_RETENTION_MS}


async def test_an_existing_topic_with_another_retention_gets_it_set_again(kafka):
    await ensure_topics(kafka, [topics.ORDERS])
    topic = kafka.topic(topics.ORDERS)
    await _described(kafka, topic)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:  # as if created before this policy, with the broker's 7 days
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, {"retention.ms": "604800000"})]
        )
    finally:
        await admin.close()
    assert await _described(kafka, topic, 604_800_000) == 604_800_000

    await ensure_topics(kafka, [topics.ORDERS])

    assert await _described(kafka, topic, -1) == -1
