"""Dead letters over the real Kafka and PostgreSQL: a failed message lands on the DLQ
naming who failed it, the service lists it, and a replay — asked twice at once — sends it
back to its topic once and is recorded as replayed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotReceived
from shared.dead_letters import api
from shared.dead_letters.reader import DeadLetterReader
from shared.dead_letters.service import DeadLetters
from shared.http import actor_header
from shared.messaging import EventSubscriber, ensure_topics, kafka_broker
from shared.settings import Settings
from shared.units import Quantity
from tests import kafka_marks
from tests.integration.kafka_helpers import read_until

pytestmark = pytest.mark.integration


@pytest.fixture
async def topic_settings(settings: Settings) -> Settings:
    """A topic namespace of its own, so the listing holds only this test's dead letters."""
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


async def eventually(condition: object, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.05)


async def test_a_dead_letter_is_listed_replayed_once_and_marked_replayed(
    orders_engine, topic_settings, broker
):
    kafka = topic_settings.kafka
    broken = {"EXPLODES"}
    handled: list[str] = []

    async def on_lot(envelope: Envelope, event: Event) -> None:
        assert isinstance(event, LotReceived)
        if event.item_code in broken:
            raise RuntimeError("deterministic bug")
        handled.append(event.lot_code)

    subscriber = EventSubscriber(broker, kafka, service="orders")
    subscriber.subscribe(broker, topics.INVENTORY, on_lot)
    dead_letters = DeadLetters(
        "orders", orders_engine, broker, DeadLetterReader(kafka), consumed=subscriber.groups.values
    )
    app = FastAPI()
    api.install(app, dead_letters)
    await broker.start()
    topic, dlq = kafka.topic(topics.INVENTORY), kafka.topic(topics.dead_letter(topics.INVENTORY))
    bad = LotReceived(lot_code="L-BAD", item_code="EXPLODES", quantity=Quantity.of(1, "pc"))
    await broker.publish(b"{not json", topic, key=b"k")
    bad_bytes = Envelope.wrap(bad).to_bytes()
    await broker.publish(bad_bytes, topic, key=b"k")

    dead = await read_until(kafka.bootstrap_servers, dlq, lambda rs: len(rs) >= 2)
    headers = [dict(r.headers) for r in dead]
    assert {h["x-dlq-service"] for h in headers} == {b"orders"}
    assert {h["x-dlq-group"] for h in headers} == {f"{kafka.topic_prefix}orders.on_lot".encode()}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orders.test") as http:
        listed = await http.get("/api/dead-letters/orders", params={"status": "waiting"})
        assert listed.status_code == 200, listed.text
        assert listed.headers["x-total-count"] == "2"
        letters = listed.json()
        assert [x["event_type"] for x in letters] == [
            "inventory.lot_received",
            None,
        ]  # newest first
        failed = letters[0]
        assert failed["reason"].startswith("handler failed: RuntimeError('deterministic bug')")
        assert failed["original_topic"] == topic and failed["service"] == "orders"
        assert letters[1]["reason"].startswith("poison: not JSON")

        broken.clear()  # the bug is fixed; the operator replays, with a double click
        replay = f"/api/dead-letters/orders/{dlq}/{failed['partition']}/{failed['offset']}/replay"
        answers = await asyncio.gather(
            *(http.post(replay, headers=actor_header("sara")) for _ in range(2))
        )
        assert sorted(a.status_code for a in answers) == [200, 409]
        assert "already replayed by sara" in next(a for a in answers if a.status_code == 409).text

        await eventually(lambda: handled == ["L-BAD"])
        assert handled == ["L-BAD"]
        # the whole topic up to its end now: both answers are in, so a second replay
        # would already be there
        again = await kafka_marks.read_to_marks(
            kafka, await kafka_marks.end_offsets(kafka, [topic])
        )
        replayed = [r for r in again if "x-replayed-from" in dict(r.headers)]
        assert len(replayed) == 1
        sent = dict(replayed[0].headers)
        assert sent["x-replayed-from"] == f"{dlq}/{failed['partition']}/{failed['offset']}".encode()
        assert not [k for k in sent if k.startswith(("x-dlq-", "x-original-"))]
        assert (replayed[0].value, replayed[0].key) == (bad_bytes, b"k")

        after = (await http.get("/api/dead-letters/orders")).json()
        marked = next(x for x in after if x["offset"] == failed["offset"])
        assert marked["status"] == "replayed" and marked["replayed_by"] == "sara"
        waiting = await http.get("/api/dead-letters/orders", params={"status": "waiting"})
        assert waiting.headers["x-total-count"] == "1"

        unknown = await http.post(f"/api/dead-letters/orders/{dlq}/0/999999/replay")
        assert unknown.status_code == 404
        foreign = await http.post(f"/api/dead-letters/orders/{topic}.other/0/0/replay")
        assert foreign.status_code == 404
