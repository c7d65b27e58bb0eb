"""Coalesced offset commits over the real Kafka (``shared.offset_commits``): many applied
batches become few commits that still reach the end one interval after the last batch; a
consumer killed between its transaction and its commit has its batches delivered again and
the inbox applies nothing twice; a revoked partition gets what was applied committed at
once, not one interval later."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts import topics
from shared.contracts.envelope import Envelope
from shared.messaging import kafka_broker
from shared.settings import ConsumerSettings, Settings
from tests.conftest import ROOT, settings_env
from tests.integration.committing_consumer import CREATE_EFFECTS, EFFECTS, ROUTES, SERVICE
from tests.integration.test_batch_consuming import (
    RecordingSubscriber,
    committed,
    lot,
    publish_all,
    wait_committed,
)

HOUR_MS = 3_600_000  # a commit interval no test waits out


@pytest.fixture
async def effects(orders_engine: AsyncEngine) -> AsyncEngine:
    async with orders_engine.begin() as conn:
        await conn.execute(sa.text(CREATE_EFFECTS))
    return orders_engine


@pytest.fixture
async def brokers() -> AsyncIterator[list[KafkaBroker]]:
    started: list[KafkaBroker] = []
    yield started
    for broker in started:
        await broker.stop()


class TimedSubscriber(RecordingSubscriber):
    """Also notes when its last batch's transaction had committed."""

    applied_at = 0.0

    async def deliver_batch(self, *args: Any, **kw: Any) -> None:
        await super().deliver_batch(*args, **kw)
        self.applied_at = time.monotonic()


async def consuming(
    settings: Settings,
    engine: AsyncEngine,
    brokers: list[KafkaBroker],
    *,
    name: str,
    consumer: ConsumerSettings,
) -> TimedSubscriber:
    broker = kafka_broker(settings.kafka, client_id=f"test-{name}")
    subscriber = TimedSubscriber(broker, settings.kafka, service=SERVICE, consumer=consumer)
    subscriber.batches = []
    subscriber.consume(broker, topics.INVENTORY, engine, ROUTES, name=name)
    brokers.append(broker)
    await broker.start()
    return subscriber


def group_of(settings: Settings, name: str) -> str:
    return f"{settings.kafka.topic_prefix}{SERVICE}.{name}"


async def applied(engine: AsyncEngine, envelopes: Sequence[Envelope]) -> list[int]:
    """How many effect rows each of ``envelopes`` left (1 each: applied exactly once)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(EFFECTS.c.event_id, sa.func.count())
            .where(EFFECTS.c.event_id.in_([e.event_id for e in envelopes]))
            .group_by(EFFECTS.c.event_id)
        )
        counts = {row[0]: row[1] for row in rows}
    return [counts.get(e.event_id, 0) for e in envelopes]


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.1)


async def test_many_batches_are_few_commits_that_reach_the_end_one_interval_later(
    topic_settings, effects, brokers, monkeypatch
):
    commits: list[float] = []
    commit = AIOKafkaConsumer.commit

    async def counted(self: AIOKafkaConsumer, offsets: Any = None) -> None:
        await commit(self, offsets)
        commits.append(time.monotonic())

    monkeypatch.setattr(AIOKafkaConsumer, "commit", counted)
    sent = [lot() for _ in range(40)]
    await publish_all(topic_settings, sent)
    interval = 0.5

    subscriber = await consuming(
        topic_settings,
        effects,
        brokers,
        name="coalesced",
        consumer=ConsumerSettings(max_batch=1, batch_timeout_ms=100, commit_interval_ms=500),
    )
    started = time.monotonic()
    await wait_committed(topic_settings, group_of(topic_settings, "coalesced"), len(sent))

    assert subscriber.batches == [1] * len(sent)  # one commit per batch would be 40
    assert await applied(effects, sent) == [1] * len(sent)
    assert len(commits) <= (subscriber.applied_at - started) / interval + 2
    assert len(commits) < len(sent) / 2
    # the last commit came within an interval (and a slow machine's slack) of the last batch
    assert commits[-1] - subscriber.applied_at < interval + 1.0


async def test_a_consumer_killed_before_its_commit_is_redelivered_and_applies_nothing_twice(
    topic_settings, effects, brokers
):
    sent = [lot() for _ in range(10)]
    await publish_all(topic_settings, sent)
    group = group_of(topic_settings, "crash")
    env = {**settings_env(topic_settings), "LOTLINE_CONSUMER__COMMIT_INTERVAL_MS": str(HOUR_MS)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.committing_consumer", "crash", env=env, cwd=ROOT
    )
    try:
        await until(lambda: _all_applied(effects, sent), "the consumer process applied the batch")
        assert await committed(topic_settings, group) == 0  # applied, not yet committed
    finally:
        process.kill()  # SIGKILL: no stop, no last commit
        await process.wait()

    again = await consuming(
        topic_settings,
        effects,
        brokers,
        name="crash",
        consumer=ConsumerSettings(max_batch=50, batch_timeout_ms=100),
    )
    await wait_committed(topic_settings, group, len(sent))

    assert sum(again.batches) == len(sent)  # every event delivered again…
    assert await applied(effects, sent) == [1] * len(sent)  # …and applied once


async def _all_applied(engine: AsyncEngine, envelopes: Sequence[Envelope]) -> bool:
    return await applied(engine, envelopes) == [1] * len(envelopes)


async def test_a_rebalance_commits_what_was_applied_before_the_partitions_move(
    topic_settings, effects, brokers
):
    sent = [lot() for _ in range(10)]
    await publish_all(topic_settings, sent)
    group = group_of(topic_settings, "rebalanced")
    never = ConsumerSettings(max_batch=50, batch_timeout_ms=100, commit_interval_ms=HOUR_MS)

    first = await consuming(topic_settings, effects, brokers, name="rebalanced", consumer=never)
    await until(lambda: _all_applied(effects, sent), "the first member applied the batch")
    assert await committed(topic_settings, group) == 0  # its interval is an hour away

    # A second member joins: the first's partitions are revoked, and it commits them then.
    await consuming(topic_settings, effects, brokers, name="rebalanced", consumer=never)
    await wait_committed(topic_settings, group, len(sent))

    assert sum(first.batches) == len(sent)
    assert first.committers[group].commits >= 1
    assert await applied(effects, sent) == [1] * len(sent)
