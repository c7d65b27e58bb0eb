"""The delivery machinery over the real Kafka: outbox relay, dead letters, retries."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from faststream.kafka import KafkaBroker

from services.orders import tables as t
from shared import outbox
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotReceived
from shared.messaging import EventSubscriber, ensure_topics, kafka_broker
from shared.outbox import OutboxRelay
from shared.settings import Settings
from shared.units import Quantity
from tests.integration.kafka_helpers import read_until
from tests.kafka_marks import end_offsets, wait_processed


def lot_event() -> LotReceived:
    return LotReceived(
        lot_code=f"L-{uuid.uuid4().hex[:8]}", item_code="HONEY", quantity=Quantity.of(3, "pc")
    )


@pytest.fixture
async def topic_settings(settings: Settings) -> Settings:
    """A topic namespace of its own, so each test reads only its own messages."""
    kafka = settings.kafka.model_copy(
        update={"topic_prefix": f"{settings.kafka.topic_prefix}{uuid.uuid4().hex[:6]}."}
    )
    await ensure_topics(kafka, topics.ALL)
    return settings.model_copy(update={"kafka": kafka})


@pytest.fixture
async def broker(topic_settings: Settings) -> AsyncIterator[KafkaBroker]:
    broker = kafka_broker(topic_settings.kafka, client_id="test")
    yield broker
    await broker.stop()


async def test_the_relay_publishes_staged_events_keyed_by_aggregate(
    orders_engine, topic_settings, broker
):
    events = [lot_event() for _ in range(3)]
    async with orders_engine.begin() as conn:
        staged = await outbox.add(conn, events)
    await broker.start()
    relay = OutboxRelay(orders_engine, broker, topic_name=topic_settings.kafka.topic)

    while await relay.publish_pending():
        pass

    ids = {str(e.event_id) for e in staged}
    records = await read_until(
        topic_settings.kafka.bootstrap_servers,
        topic_settings.kafka.topic(topics.INVENTORY),
        lambda rs: ids <= {dict(r.headers)["event_id"].decode() for r in rs},
    )
    by_id = {dict(r.headers)["event_id"].decode(): r for r in records}
    assert ids <= set(by_id)
    for envelope in staged:
        record = by_id[str(envelope.event_id)]
        assert record.key == envelope.key.encode()
        assert Envelope.from_bytes(record.value) == envelope
    async with orders_engine.connect() as conn:
        left = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(t.OUTBOX)
            .where(t.OUTBOX.c.event_id.in_([e.event_id for e in staged]))
        )
    assert left == 0  # published rows are deleted: the outbox holds only what waits


async def test_poison_and_failing_messages_go_to_the_dead_letter_topic_and_the_rest_flows(
    topic_settings, broker
):
    handled: list[str] = []

    async def on_lot(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, LotReceived)
        if event.item_code == "EXPLODES":
            raise RuntimeError("deterministic bug")
        handled.append(event.lot_code)

    EventSubscriber(broker, topic_settings.kafka, service="test").subscribe(
        broker, topics.INVENTORY, on_lot
    )
    await broker.start()
    topic = topic_settings.kafka.topic(topics.INVENTORY)
    good = lot_event()
    bad = LotReceived(lot_code="L-BAD", item_code="EXPLODES", quantity=Quantity.of(1, "pc"))
    key = b"same-partition"
    await broker.publish(b"{not json", topic, key=key)
    await broker.publish(Envelope.wrap(bad).to_bytes(), topic, key=key)
    await broker.publish(Envelope.wrap(good).to_bytes(), topic, key=key)

    deadline = time.monotonic() + 30
    while good.lot_code not in handled and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    dead = await read_until(
        topic_settings.kafka.bootstrap_servers, topics.dead_letter(topic), lambda rs: len(rs) >= 2
    )

    assert handled == [good.lot_code]
    reasons = sorted(dict(r.headers)["x-dlq-reason"].decode() for r in dead)
    assert reasons[0].startswith("handler failed: RuntimeError('deterministic bug')")
    assert reasons[1].startswith("poison: not JSON")
    bodies = {r.value for r in dead}
    assert b"{not json" in bodies
    assert any(b"L-BAD" in body for body in bodies)
    assert all(dict(r.headers)["x-original-topic"].decode() == topic for r in dead)


async def test_a_transient_failure_is_retried_until_it_succeeds(topic_settings, broker):
    attempts: list[int] = []

    async def flaky(envelope: Envelope, event: Event) -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("database restarting")

    EventSubscriber(broker, topic_settings.kafka, service="test").subscribe(
        broker, topics.INVENTORY, flaky
    )
    await broker.start()
    await broker.publish(
        Envelope.wrap(lot_event()).to_bytes(), topic_settings.kafka.topic(topics.INVENTORY)
    )

    # Done once the group's committed offset passes the message: a fourth attempt or a
    # dead letter could only come before that commit.
    topic = topic_settings.kafka.topic(topics.INVENTORY)
    await wait_processed(
        topic_settings.kafka,
        await end_offsets(topic_settings.kafka, [topic]),
        groups=[f"{topic_settings.kafka.topic_prefix}test.flaky"],
        timeout=30,
    )

    assert len(attempts) == 3
    dead = await end_offsets(topic_settings.kafka, [topics.dead_letter(topic)])
    assert sum(dead.values()) == 0
