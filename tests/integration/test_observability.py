"""Health, metrics and correlated logs against the real PostgreSQL and Kafka."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from services.orders import tables as t
from services.orders.main import MIGRATIONS as ORDERS_MIGRATIONS
from services.orders.main import create_app
from shared import db, outbox
from shared.contracts import topics
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotReceived
from shared.contracts.orders import OrderCancelled
from shared.messaging import EventSubscriber, Routes, ensure_topics, kafka_broker
from shared.observability import checks
from shared.observability.health import health_router
from shared.observability.kafka_lag import ConsumerLag
from shared.observability.logs import json_handler
from shared.observability.metrics import Metrics
from shared.settings import KafkaSettings, Settings
from shared.units import Quantity
from tests.containers import free_port
from tests.integration.test_notifications import address, an_order, stage_in_own_transaction


def samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {
        frozenset(s.labels.items()): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


def lot_event() -> LotReceived:
    return LotReceived(
        lot_code=f"L-{uuid.uuid4().hex[:8]}", item_code="HONEY", quantity=Quantity.of(3, "pc")
    )


async def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


@pytest.fixture
async def orders_app(settings: Settings, orders_engine) -> AsyncIterator[httpx.AsyncClient]:
    """The real orders app, its lifespan not started: its engine reaches the migrated test
    database, its probes the real broker."""
    app = create_app(settings)
    async with await client_of(app) as client:
        yield client
    await app.state.runtime.engine.dispose()


async def test_ready_when_database_kafka_and_migrations_all_answer(orders_app):
    answer = await orders_app.get("/readyz")

    assert answer.status_code == 200, answer.text
    assert {name: c["ok"] for name, c in answer.json()["checks"].items()} == {
        "database": True,
        "kafka": True,
        "migrations": True,
    }


async def test_not_ready_when_the_database_url_points_at_a_closed_port(settings):
    closed = db.create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/lotline")
    dead_kafka = KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}")
    app = FastAPI()
    app.include_router(
        health_router(
            [
                checks.database(closed),
                checks.kafka(settings.kafka),
                checks.migrations_at_head("orders", ORDERS_MIGRATIONS, closed),
            ]
        )
    )
    kafka_down = FastAPI()
    kafka_down.include_router(health_router([checks.kafka(dead_kafka)], within=2))

    started = time.monotonic()
    async with await client_of(app) as client, await client_of(kafka_down) as other:
        answer, alive, no_broker = (
            await client.get("/readyz"),
            await client.get("/healthz"),
            await other.get("/readyz"),
        )
    await closed.dispose()

    assert answer.status_code == 503 and alive.status_code == 200
    result = answer.json()["checks"]
    assert result["database"]["ok"] is False and result["migrations"]["ok"] is False
    assert result["kafka"]["ok"] is True
    assert no_broker.status_code == 503 and no_broker.json()["checks"]["kafka"]["ok"] is False
    assert time.monotonic() - started < 10


async def test_requests_are_counted_by_route_template(orders_app):
    for _ in range(2):
        assert (await orders_app.get(f"/api/orders/{uuid.uuid4()}")).status_code == 404

    text = (await orders_app.get("/metrics")).text

    counted = samples(text, "lotline_http_requests_total")
    key = frozenset(
        {
            ("service", "orders"),
            ("method", "GET"),
            ("route", "/api/orders/{order_id}"),
            ("status", "404"),
        }
    )
    assert counted[key] == 2


async def test_the_outbox_backlog_gauge_counts_staged_rows(orders_app, orders_engine):
    def backlog(text: str) -> float:
        return samples(text, "lotline_outbox_unpublished")[frozenset({("service", "orders")})]

    before = backlog((await orders_app.get("/metrics")).text)
    async with orders_engine.begin() as conn:
        staged = await outbox.add(conn, [lot_event() for _ in range(3)])
    try:
        text = (await orders_app.get("/metrics")).text
    finally:
        async with orders_engine.begin() as conn:
            ids = [e.event_id for e in staged]
            await conn.execute(t.OUTBOX.delete().where(t.OUTBOX.c.event_id.in_(ids)))

    assert backlog(text) == before + 3
    age = samples(text, "lotline_outbox_oldest_unpublished_age_seconds")
    assert age[frozenset({("service", "orders")})] >= 0


async def test_a_mail_given_up_counts_as_a_dead_letter_of_orders(orders_app, orders_engine):
    def dead_mails(text: str) -> float:
        return samples(text, "lotline_dead_letters")[
            frozenset({("service", "orders"), ("kind", "mail")})
        ]

    before = dead_mails((await orders_app.get("/metrics")).text)
    order_id = await an_order(orders_engine, email=address("dead"))
    await stage_in_own_transaction(orders_engine, order_id, recipient=address("dead"))
    async with orders_engine.begin() as conn:
        await conn.execute(
            t.notification.update()
            .where(t.notification.c.order_id == order_id)
            .values(status="failed")
        )

    after = dead_mails((await orders_app.get("/metrics")).text)

    assert after == before + 1


@pytest.fixture
async def lag_topic(settings: Settings) -> tuple[KafkaSettings, str]:
    kafka = settings.kafka.model_copy(
        update={"topic_prefix": f"{settings.kafka.topic_prefix}{uuid.uuid4().hex[:6]}."}
    )
    await ensure_topics(kafka, [topics.INVENTORY])
    return kafka, kafka.topic(topics.INVENTORY)


async def test_consumer_lag_is_the_end_offset_minus_the_committed_one(lag_topic):
    kafka, topic = lag_topic
    group = f"{kafka.topic_prefix}inventory.on_order_event"
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        for n in range(5):
            await producer.send_and_wait(topic, f"m{n}".encode(), partition=0)
    finally:
        await producer.stop()
    committer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await committer.start()
    try:
        committer.assign([TopicPartition(topic, 0)])
        await committer.commit({TopicPartition(topic, 0): 2})
    finally:
        await committer.stop()
    metrics = Metrics("inventory")
    metrics.add(ConsumerLag(kafka, {group: topic}))

    text = (await metrics.render()).decode()

    lag = {dict(k)["partition"]: v for k, v in samples(text, "lotline_kafka_consumer_lag").items()}
    assert lag == {"0": 3.0} | {str(p): 0.0 for p in range(1, kafka.partitions)}


async def test_an_unreachable_broker_is_a_missing_lag_sample_not_a_failed_scrape():
    dead = KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}")
    metrics = Metrics("inventory", probe_timeout=2)
    metrics.add(ConsumerLag(dead, {"g": "t"}))

    started = time.monotonic()
    text = (await metrics.render()).decode()

    assert samples(text, "lotline_kafka_consumer_lag") == {}
    up = samples(text, "lotline_probe_up")
    assert up == {frozenset({("service", "inventory"), ("probe", "kafka_consumer_lag")}): 0.0}
    assert time.monotonic() - started < 5


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = json_handler("orders", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


async def test_a_handler_logs_and_publishes_under_the_correlation_id_it_consumed(
    settings, orders_engine, json_log
):
    order_id, flow = uuid.uuid4(), uuid.uuid4()
    consumed = Envelope.wrap(OrderCancelled(order_id=order_id, reason="x"), correlation_id=flow)
    staged: list[Envelope] = []

    async def on_order_event(envelope, event) -> None:
        logging.getLogger("services.orders.test").info("cancelling the order")
        async with orders_engine.connect() as conn:
            transaction = await conn.begin()
            staged.extend(await outbox.add(conn, [lot_event()]))  # no correlation given
            await transaction.rollback()

    subscriber = EventSubscriber(
        kafka_broker(settings.kafka, client_id="t"), settings.kafka, service="orders"
    )
    record = SimpleNamespace(value=consumed.to_bytes(), headers=[], partition=0, offset=0, key=b"")
    await subscriber.deliver("t.orders.events", record, on_order_event)

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    [mine] = [line for line in lines if line["logger"] == "services.orders.test"]
    assert mine["correlation_id"] == str(flow) and mine["order_id"] == str(order_id)
    assert mine["service"] == "orders" and mine["message"] == "cancelling the order"
    [handled] = [line for line in lines if line["logger"] == "shared.messaging"]
    assert (
        handled["correlation_id"] == str(flow) and handled["event_type"] == "orders.order_cancelled"
    )
    assert [e.correlation_id for e in staged] == [flow]


async def test_a_batch_of_one_event_logs_one_line_and_a_larger_batch_one_naming_its_flows(
    settings, orders_engine, json_log
):
    flow = uuid.uuid4()
    seen: list[str] = []

    async def note(tx, event) -> None:
        seen.append(event.lot_code)

    async def one(envelope, event) -> None:  # the path of an event alone: not taken here
        raise AssertionError("the batch failed")

    one.__name__ = "on_lot"
    subscriber = EventSubscriber(
        kafka_broker(settings.kafka, client_id="t"), settings.kafka, service="orders"
    )
    consumer = f"test-{uuid.uuid4().hex[:8]}"

    def record(event: LotReceived) -> SimpleNamespace:
        envelope = Envelope.wrap(event, correlation_id=flow)
        return SimpleNamespace(value=envelope.to_bytes(), headers=[], partition=0, offset=0)

    def lines() -> list[dict[str, Any]]:
        found = [json.loads(line) for line in json_log.getvalue().splitlines()]
        json_log.seek(0)
        json_log.truncate()
        return [line for line in found if line["logger"].startswith("shared.")]

    routes: Routes = {LotReceived: note}
    await subscriber.deliver_batch(
        "t.inv", [record(lot_event())], orders_engine, routes, one, inbox=consumer
    )
    [alone] = lines()
    assert alone["logger"] == "shared.messaging" and alone["topic"] == "t.inv"
    assert alone["message"] == "on_lot handled inventory.lot_received"
    assert alone["correlation_id"] == str(flow) and "duration_ms" in alone

    await subscriber.deliver_batch(
        "t.inv",
        [record(lot_event()), record(lot_event())],
        orders_engine,
        routes,
        one,
        inbox=consumer,
    )
    [total] = lines()  # the events' own lines are at DEBUG
    assert total["message"] == "on_lot handled 2 events (2 new)" and total["batch"] == 2
    assert total["correlation_ids"] == [str(flow)]  # the flow finds its batch
    assert total["event_types"] == {"inventory.lot_received": 2}
    assert len(seen) == 3
