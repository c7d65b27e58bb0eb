"""Batch consumers over the real Kafka (``EventSubscriber.consume``): a fetched batch is
applied in one transaction, a poison message in it is dead-lettered alone while the others
commit, offsets are committed after the database, and a redelivered batch changes nothing."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consuming import Delivery
from shared.contracts import topics
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import ItemDefined, LotReceived
from shared.inbox import INBOX
from shared.messaging import EventSubscriber, Routes, kafka_broker
from shared.outbox import OUTBOX
from shared.settings import ConsumerSettings, Settings
from shared.units import Quantity
from tests import kafka_marks

EFFECTS = sa.table("test_batch_effects", sa.column("event_id"), sa.column("lot_code"))


class RecordingSubscriber(EventSubscriber):
    """Notes the size of every batch it is handed, to prove the batch path ran."""

    batches: list[int]

    async def deliver_batch(
        self, topic: str, records: Sequence[Any], *args: Any, **kw: Any
    ) -> None:
        self.batches.append(len(records))
        await super().deliver_batch(topic, records, *args, **kw)


@pytest.fixture
async def effects(orders_engine: AsyncEngine) -> AsyncEngine:
    async with orders_engine.begin() as conn:
        await conn.execute(
            sa.text("CREATE TABLE IF NOT EXISTS test_batch_effects (event_id uuid, lot_code text)")
        )
    return orders_engine


async def apply_lot(tx: Delivery, event: LotReceived) -> None:
    """An effect row and an outbox row, then (for the poison one) a deterministic bug: both
    must roll back with it."""
    await tx.conn.execute(
        sa.insert(EFFECTS).values(event_id=tx.envelope.event_id, lot_code=event.lot_code)
    )
    await tx.publish([event.model_copy(update={"lot_code": f"{event.lot_code}-seen"})])
    if event.item_code == "EXPLODES":
        raise RuntimeError("deterministic bug")


ROUTES: Routes = {LotReceived: apply_lot}


def lot(item_code: str = "HONEY") -> Envelope:
    event = LotReceived(
        lot_code=f"L-{uuid.uuid4().hex[:8]}", item_code=item_code, quantity=Quantity.of(3, "pc")
    )
    return Envelope.wrap(event)


@pytest.fixture
async def brokers(topic_settings: Settings) -> AsyncIterator[list[KafkaBroker]]:
    started: list[KafkaBroker] = []
    yield started
    for broker in started:
        await broker.stop()


async def consuming(
    settings: Settings, engine: AsyncEngine, brokers: list[KafkaBroker], *, name: str
) -> RecordingSubscriber:
    broker = kafka_broker(settings.kafka, client_id=f"test-{name}")
    subscriber = RecordingSubscriber(
        broker,
        settings.kafka,
        service="batchtest",
        consumer=ConsumerSettings(max_batch=50, batch_timeout_ms=100),
    )
    subscriber.batches = []
    subscriber.consume(broker, topics.INVENTORY, engine, ROUTES, name=name)
    brokers.append(broker)
    await broker.start()
    return subscriber


async def committed(settings: Settings, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(meta.offset for meta in offsets.values() if meta.offset >= 0)


async def wait_committed(settings: Settings, group: str, count: int) -> None:
    deadline = time.monotonic() + 30
    while await committed(settings, group) < count:
        assert time.monotonic() < deadline, f"{group} never committed {count} offsets"
        await asyncio.sleep(0.2)


async def effect_count(engine: AsyncEngine, envelopes: Sequence[Envelope]) -> dict[str, int]:
    ids = [e.event_id for e in envelopes]
    async with engine.connect() as conn:
        applied = await conn.execute(
            sa.select(EFFECTS.c.lot_code, sa.func.count())
            .where(EFFECTS.c.event_id.in_(ids))
            .group_by(EFFECTS.c.lot_code)
        )
        staged = await conn.execute(
            sa.select(OUTBOX.c.envelope).where(
                OUTBOX.c.envelope["causation_id"].astext.in_([str(i) for i in ids])
            )
        )
        seen = Counter(str(row.envelope["payload"]["lot_code"]) for row in staged)
        return {**{row[0]: row[1] for row in applied}, **seen}


async def publish_all(settings: Settings, envelopes: Sequence[Envelope]) -> None:
    broker = kafka_broker(settings.kafka, client_id="test-producer")
    await broker.start()
    try:
        for envelope in envelopes:
            await broker.publish(
                envelope.to_bytes(), settings.kafka.topic(topics.INVENTORY), key=b"one-key"
            )
    finally:
        await broker.stop()


def lot_code(envelope: Envelope) -> str:
    return str(envelope.payload["lot_code"])


async def test_a_poison_message_in_a_batch_is_dead_lettered_alone_and_the_rest_commit(
    topic_settings, effects, brokers
):
    good = [lot() for _ in range(6)]
    bad = lot("EXPLODES")
    sent = [*good[:3], bad, *good[3:]]
    await publish_all(topic_settings, sent)  # all waiting, so one fetch returns them together

    subscriber = await consuming(topic_settings, effects, brokers, name="poison")
    group = f"{topic_settings.kafka.topic_prefix}batchtest.poison"
    await wait_committed(topic_settings, group, len(sent))
    dlq = topics.dead_letter(topic_settings.kafka.topic(topics.INVENTORY))
    # a dead letter is published before its offset is committed: all of them are in by now
    dead = await kafka_marks.read_to_marks(
        topic_settings.kafka, await kafka_marks.end_offsets(topic_settings.kafka, [dlq])
    )

    assert max(subscriber.batches) > 1  # the poison message came in a batch with others
    counts = await effect_count(effects, sent)
    assert {lot_code(e): counts.get(lot_code(e)) for e in good} == {lot_code(e): 1 for e in good}
    assert {f"{lot_code(e)}-seen": counts.get(f"{lot_code(e)}-seen") for e in good} == {
        f"{lot_code(e)}-seen": 1 for e in good
    }
    assert lot_code(bad) not in counts and f"{lot_code(bad)}-seen" not in counts
    assert len(dead) == 1
    assert Envelope.from_bytes(dead[0].value).event_id == bad.event_id
    assert dict(dead[0].headers)["x-dlq-reason"].decode().startswith("handler failed")


async def test_a_redelivered_batch_applies_nothing_twice(topic_settings, effects, brokers):
    first = [lot() for _ in range(5)]
    again = first[1]  # the same event twice within one batch, too
    await publish_all(topic_settings, [*first, again])

    await consuming(topic_settings, effects, brokers, name="first")
    await wait_committed(
        topic_settings, f"{topic_settings.kafka.topic_prefix}batchtest.first", len(first) + 1
    )
    # A second group of the same service reads the topic from the start: the whole batch
    # delivered again, as after a crash between the database commit and the offset commit.
    replay = await consuming(topic_settings, effects, brokers, name="replay")
    await wait_committed(
        topic_settings, f"{topic_settings.kafka.topic_prefix}batchtest.replay", len(first) + 1
    )

    assert sum(replay.batches) == len(first) + 1
    counts = await effect_count(effects, first)
    assert counts == {
        **{lot_code(e): 1 for e in first},
        **{f"{lot_code(e)}-seen": 1 for e in first},
    }


async def test_a_batch_of_types_nobody_here_routes_is_committed_without_a_question_or_a_record(
    topic_settings, effects, brokers
):
    """Events of a type the group has no use case for (told by their ``event_type`` header)
    are passed by unparsed: their offsets are committed, nothing is applied or recorded in
    the inbox, and ``wanted`` (a database question) is not even asked; it is for the
    routed event that follows."""
    asked: list[int] = []

    async def wanted() -> bool:
        asked.append(1)
        return True

    consumer_broker = kafka_broker(topic_settings.kafka, client_id="test-ignoring")
    subscriber = RecordingSubscriber(
        consumer_broker,
        topic_settings.kafka,
        service="batchtest",
        consumer=ConsumerSettings(max_batch=50, batch_timeout_ms=100),
    )
    subscriber.batches = []
    subscriber.consume(
        consumer_broker, topics.INVENTORY, effects, ROUTES, name="ignoring", wanted=wanted
    )
    brokers.append(consumer_broker)
    await consumer_broker.start()
    group = f"{topic_settings.kafka.topic_prefix}batchtest.ignoring"

    ignored = [
        Envelope.wrap(
            ItemDefined(code=f"I-{uuid.uuid4().hex[:6]}", name="x", kind="m", base_unit="pc")
        )
        for _ in range(4)
    ]
    # a body no one could parse: it is never read
    await publish_with_headers(topic_settings, [(e, b"not JSON") for e in ignored])
    await wait_committed(topic_settings, group, len(ignored))

    assert asked == [] and subscriber.batches == []
    assert not subscriber.dead_lettered

    routed = lot()
    await publish_with_headers(topic_settings, [(routed, routed.to_bytes())])
    await wait_committed(topic_settings, group, len(ignored) + 1)

    assert asked == [1] and subscriber.batches == [1]
    assert await effect_count(effects, [routed]) == {
        lot_code(routed): 1,
        f"{lot_code(routed)}-seen": 1,
    }
    async with effects.connect() as conn:
        recorded = await conn.scalars(
            sa.select(INBOX.c.event_id).where(
                INBOX.c.event_id.in_([e.event_id for e in [*ignored, routed]])
            )
        )
        assert set(recorded) == {routed.event_id}


async def publish_with_headers(settings: Settings, sent: Sequence[tuple[Envelope, bytes]]) -> None:
    """Publish each body with its envelope's headers, as the outbox relay does."""
    broker = kafka_broker(settings.kafka, client_id="test-producer")
    await broker.start()
    try:
        for envelope, body in sent:
            await broker.publish(
                body,
                settings.kafka.topic(topics.INVENTORY),
                key=b"one-key",
                headers=envelope.headers(),
            )
    finally:
        await broker.stop()
