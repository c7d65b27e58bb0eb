"""An event changed to v2 while old and new instances run side by side (a rolling deploy),
over the real broker: a v1 writer's events are read by v2 code (upcast), and v2 code pinned
to write v1 is read by v1 code — which would dead-letter an unpinned v2 event as newer than
anything it knows. ``inventory.lot_changed`` (v2 added the lot's status) is the example."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from typing import Any, ClassVar

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import contracts, outbox
from shared.consuming import Delivery
from shared.contracts import topics
from shared.contracts.base import Event, PoisonMessage, pin_publish_versions
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotChanged, LotStatus
from shared.messaging import EventSubscriber, kafka_broker
from shared.settings import ConsumerSettings, Settings
from shared.units import Quantity
from tests.integration.kafka_helpers import read_until


class LotChangedV1(Event):
    """``inventory.lot_changed`` as code written before v2 knows it."""

    TYPE: ClassVar[str] = "inventory.lot_changed"
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str] = topics.INVENTORY

    lot_code: str
    item_code: str
    on_hand: Quantity
    reserved: Quantity
    expires_on: date | None = None
    revision: int

    def aggregate_key(self) -> str:
        return self.lot_code


async def eventually(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.05)


def read_as_v1(envelope: Envelope) -> LotChangedV1:
    """What a v1 reader does (``shared.contracts.registry.parse`` as it was then)."""
    if envelope.event_version > LotChangedV1.VERSION:
        raise PoisonMessage(f"v{envelope.event_version} is newer than v1")
    return LotChangedV1.model_validate(envelope.payload)


def a_lot_change(status: LotStatus = LotStatus.BLOCKED) -> LotChanged:
    return LotChanged(
        lot_code=f"L-{uuid.uuid4().hex[:8]}",
        item_code="HONEY",
        on_hand=Quantity.of(12, "kg"),
        reserved=Quantity.of(2, "kg"),
        revision=3,
        status=status,
    )


@pytest.fixture
def pinned_v1() -> Iterator[None]:
    pin_publish_versions(contracts.event_classes(), {LotChanged.TYPE: 1})
    try:
        yield
    finally:
        pin_publish_versions(contracts.event_classes(), {})


@pytest.fixture
async def broker(topic_settings: Settings) -> AsyncIterator[KafkaBroker]:
    started = kafka_broker(topic_settings.kafka, client_id="test-contracts")
    yield started
    await started.stop()


async def test_a_v1_writer_is_read_by_v2_code_over_the_broker(
    topic_settings: Settings, broker: KafkaBroker, orders_engine: AsyncEngine
) -> None:
    seen: list[Any] = []

    async def remember(_tx: Delivery, event: LotChanged) -> None:
        seen.append(event)

    subscriber = EventSubscriber(
        broker,
        topic_settings.kafka,
        service="contracttest",
        consumer=ConsumerSettings(max_batch=10, batch_timeout_ms=100),
    )
    subscriber.consume(
        broker, topics.INVENTORY, orders_engine, {LotChanged: remember}, name="evolution"
    )
    await broker.start()
    old = LotChangedV1(
        lot_code=f"L-{uuid.uuid4().hex[:8]}",
        item_code="HONEY",
        on_hand=Quantity.of(5, "kg"),
        reserved=Quantity.of(0, "kg"),
        revision=1,
    )
    written_by_v1 = Envelope.wrap(old)  # what an instance still on v1 publishes
    assert written_by_v1.event_version == 1 and "status" not in written_by_v1.payload

    await broker.publish(
        written_by_v1.to_bytes(),
        topic_settings.kafka.topic(topics.INVENTORY),
        key=old.aggregate_key().encode(),
        headers=written_by_v1.headers(),
    )

    await eventually(lambda: len(seen) == 1)
    [read] = seen
    assert isinstance(read, LotChanged)
    assert (read.lot_code, read.revision, read.on_hand) == (old.lot_code, 1, old.on_hand)
    assert read.status is LotStatus.AVAILABLE  # v1 knew no status: every lot counted


async def test_v2_code_pinned_to_v1_is_read_by_a_v1_reader_over_the_broker(
    topic_settings: Settings, broker: KafkaBroker, orders_engine: AsyncEngine, pinned_v1: None
) -> None:
    change = a_lot_change()
    relay = outbox.OutboxRelay(orders_engine, broker, topic_name=topic_settings.kafka.topic)
    await broker.start()
    async with orders_engine.begin() as conn:
        await outbox.add(conn, [change])
    while await relay.publish_pending():
        pass

    topic = topic_settings.kafka.topic(topics.INVENTORY)
    records = await read_until(
        topic_settings.kafka.bootstrap_servers, topic, lambda got: len(got) >= 1
    )
    [record] = [r for r in records if change.lot_code.encode() == r.key]
    envelope = Envelope.from_bytes(record.value)

    assert envelope.event_version == 1 and "status" not in envelope.payload
    old_reader = read_as_v1(envelope)
    assert (old_reader.lot_code, old_reader.revision) == (change.lot_code, 3)
    # and v2 code reads its own pinned writing back (the lot's status is not on the wire)
    assert contracts.parse(envelope) == change.model_copy(update={"status": LotStatus.AVAILABLE})


def test_unpinned_v2_is_refused_by_a_v1_reader_which_is_why_the_pin_exists() -> None:
    envelope = Envelope.wrap(a_lot_change())
    assert envelope.event_version == 2
    with pytest.raises(PoisonMessage, match="newer"):
        read_as_v1(envelope)
