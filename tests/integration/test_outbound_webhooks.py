"""Signed outbound webhooks on the real PostgreSQL, sent by the real worker over loopback
HTTP to a receiver that verifies the signature and fails, hangs past the timeout, answers
slowly and answers 429 with Retry-After (tests/fakes/webhook_receiver.py). The API is the
connectors' own, through its ASGI app."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from services.cli.main import app as cli
from services.connectors import handlers
from services.connectors import tables as t
from services.connectors.config import OutboundWebhookSettings
from services.connectors.main import create_app
from services.connectors.outbound_webhooks import signature_rules, staging, subscribers
from services.connectors.outbound_webhooks.repository import DONE_DELIVERIES
from services.connectors.outbound_webhooks.subscribers import INBOX
from services.connectors.outbound_webhooks.webhook_worker import OutboundWebhookWorker
from shared.consuming import apply_once
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.orders import (
    OrderCancelled,
    OrderLineRef,
    OrderReceived,
    ShipmentDispatched,
    ShippedLot,
)
from shared.contracts.production import OrderPromised
from shared.messaging import EventSubscriber, ensure_topics, kafka_broker
from shared.retention import cutoff, prune_batch
from shared.settings import ConsumerSettings, Settings
from shared.units import Quantity
from tests import kafka_marks
from tests.fakes import serving
from tests.fakes.webhook_receiver import Received, Rule, WebhookReceiver

pytestmark = pytest.mark.integration

FAST = OutboundWebhookSettings(
    poll_interval_seconds=0.05,
    batch_size=20,
    http_timeout_seconds=1.5,
    lease_seconds=10,
    max_attempts=4,
    retry_for_seconds=30,
    backoff_initial_seconds=0.2,
    backoff_max_seconds=0.5,
    jitter_seconds=0,
    max_retry_after_seconds=3,
    disable_after_dead=2,
    secret_grace_seconds=120,
    http_allowed_hosts=("127.0.0.1",),
)


class Clock:
    """The worker's clock: the real one, moved on by ``ahead`` seconds when a test says so
    (a grace period ends without waiting for it)."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver().running() as running:
        yield running


@pytest.fixture
async def worker(
    connectors_engine: AsyncEngine, clock: Clock
) -> AsyncIterator[OutboundWebhookWorker]:
    worker = OutboundWebhookWorker(connectors_engine, FAST, clock=clock)
    worker.start()
    yield worker
    await worker.stop()


@pytest.fixture
async def api(
    settings: Settings, connectors_engine: AsyncEngine, worker: OutboundWebhookWorker
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, outbound_webhooks=FAST)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=connectors_engine)
    app.state.outbound_webhook_worker = worker
    created: list[str] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://connectors") as client:
        client.event_hooks["response"] = [_remember(created)]
        yield client
        for subscription_id in created:  # nothing left for the next test's worker to send
            await client.delete(f"/api/outbound-webhooks/{subscription_id}")


def _remember(created: list[str]) -> Callable[[httpx.Response], Any]:
    async def hook(response: httpx.Response) -> None:
        if response.request.method == "POST" and response.request.url.path.endswith(
            "/outbound-webhooks"
        ):
            await response.aread()
            if response.status_code == 201:
                created.append(response.json()["id"])

    return hook


async def subscribe(api: httpx.AsyncClient, url: str, *types: str) -> dict[str, Any]:
    answer = await api.post(
        "/api/outbound-webhooks",
        json={"url": url, "event_types": list(types) or ["order.received"]},
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def stage(engine: AsyncEngine, event: Event, envelope: Envelope | None = None) -> Envelope:
    """Apply ``event`` as the webhooks' consumer group does, in its own inbox."""
    envelope = envelope or Envelope.wrap(event)
    await apply_once(engine, staging.when_event, envelope, event, consumer=INBOX)
    return envelope


def received(order_id: uuid.UUID | None = None) -> OrderReceived:
    return OrderReceived(
        order_id=order_id or uuid.uuid4(),
        channel="manual",
        external_id=f"M-{uuid.uuid4().hex[:6]}",
        lines=(OrderLineRef(line_no=1, item_code="SOAP", quantity=Quantity.of(2, "pc")),),
    )


async def deliveries(engine: AsyncEngine, subscription_id: str) -> list[Any]:
    D = t.outbound_delivery
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(D).where(D.c.subscription_id == uuid.UUID(subscription_id)).order_by(D.c.seq)
        )
        return list(rows)


async def settled(engine: AsyncEngine, subscription_id: str, count: int) -> list[Any]:
    """The subscription's deliveries once ``count`` of them are done or dead (30 s at most)."""
    deadline = time.monotonic() + 30
    while True:
        rows = await deliveries(engine, subscription_id)
        if sum(r.status in ("done", "dead") for r in rows) >= count:
            return rows
        assert time.monotonic() < deadline, [(r.status, r.attempts, r.last_error) for r in rows]
        await asyncio.sleep(0.05)


async def until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        await asyncio.sleep(0.02)


def verified(request: Received, secret: str, clock: Callable[[], float] = time.time) -> bool:
    return signature_rules.verify(
        secret, request.header("Lotline-Signature"), request.body, now=int(clock())
    )


async def test_a_delivery_is_signed_once_per_event_and_the_secret_shown_only_once(
    api, receiver, connectors_engine
):
    subscription = await subscribe(api, receiver.url, "order.received", "order.cancelled")
    event = received()
    envelope = await stage(connectors_engine, event)
    await stage(connectors_engine, event, envelope)  # a redelivery stages nothing

    [row] = await settled(connectors_engine, subscription["id"], 1)

    [request] = receiver.received()
    assert verified(request, subscription["secret"])
    assert not verified(request, signature_rules.new_secret())
    assert request.header("Lotline-Delivery-Id") == str(row.id) == request.document["id"]
    assert request.header("Lotline-Event-Type") == "order.received"
    assert request.document["event_id"] == str(envelope.event_id)
    assert request.document["data"]["order_id"] == str(event.order_id)
    assert (row.status, row.attempts, row.last_status_code) == ("done", 1, 200)
    listed = (await api.get("/api/outbound-webhooks")).json()
    mine = next(s for s in listed if s["id"] == subscription["id"])
    assert "secret" not in mine and subscription["secret"] not in str(listed)
    assert (mine["done"], mine["enabled"]) == (1, True)
    async with connectors_engine.connect() as conn:
        stored = await conn.scalar(
            sa.text("SELECT secret FROM connectors_outbound_webhook WHERE id = :id"),
            {"id": subscription["id"]},
        )
    assert stored.startswith("gAAAAA") and subscription["secret"] not in stored


async def stored_secrets(engine: AsyncEngine, subscription_id: str) -> tuple[Any, ...]:
    """The subscription's secret columns as stored (ciphertext) and the grace's end."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.text(
                    "SELECT secret, previous_secret, previous_secret_until"
                    " FROM connectors_outbound_webhook WHERE id = :id"
                ),
                {"id": subscription_id},
            )
        ).one()
    return tuple(row)


async def test_a_rotated_secret_is_shown_once_and_both_sign_until_the_grace_period_ends(
    api, receiver, connectors_engine, clock, worker
):
    subscription = await subscribe(api, receiver.url, "order.received")
    old = subscription["secret"]

    answer = await api.post(f"/api/outbound-webhooks/{subscription['id']}/rotate-secret")
    unknown = await api.post(f"/api/outbound-webhooks/{uuid.uuid4()}/rotate-secret")

    assert answer.status_code == 200, answer.text
    assert unknown.status_code == 404
    rotated = answer.json()
    new = rotated["secret"]
    assert new.startswith("whsec_") and new != old
    assert rotated["previous_secret_until"] is not None and rotated["secret_rotated_at"]
    listed = (await api.get("/api/outbound-webhooks")).text
    assert new not in listed and old not in listed and '"secret"' not in listed
    assert subscription["id"] in listed and "previous_secret_until" in listed
    stored, previous, until = await stored_secrets(connectors_engine, subscription["id"])
    assert stored.startswith("gAAAAA") and previous.startswith("gAAAAA")
    assert new not in stored and old not in previous
    # The grace period is the setting's: two minutes here.
    assert timedelta(seconds=110) < until - datetime.now(UTC) <= timedelta(seconds=120)

    await stage(connectors_engine, received())
    await settled(connectors_engine, subscription["id"], 1)
    [during] = receiver.received()
    header = during.header("Lotline-Signature")
    assert header.count("v1=") == 2 and header.startswith("t=")
    signed_at = int(header.split(",")[0].removeprefix("t="))
    assert header.split(",")[1:] == [
        f"v1={signature_rules.signature(s, signed_at, during.body)}" for s in (new, old)
    ]  # newest first
    assert verified(during, new, clock) and verified(during, old, clock)  # either one passes

    clock.ahead = FAST.secret_grace_seconds + 1  # the grace period is over
    await stage(connectors_engine, received())
    await settled(connectors_engine, subscription["id"], 2)
    [_, after] = receiver.received()
    assert after.header("Lotline-Signature").count("v1=") == 1
    assert verified(after, new, clock) and not verified(after, old, clock)
    _, previous, until = await stored_secrets(connectors_engine, subscription["id"])
    assert (previous, until) == (None, None)  # forgotten
    # A second rotation: the secret shown before is now the previous one.
    again = (await api.post(f"/api/outbound-webhooks/{subscription['id']}/rotate-secret")).json()
    assert again["secret"] not in (new, old)


async def test_an_event_type_not_asked_for_and_an_insecure_url_are_not_accepted(
    api, receiver, connectors_engine
):
    subscription = await subscribe(api, receiver.url, "order.cancelled")
    await stage(connectors_engine, received())
    refused = await api.post(
        "/api/outbound-webhooks",
        json={"url": "http://erp.example.com/hooks", "event_types": ["order.received"]},
    )
    unknown = await api.post(
        "/api/outbound-webhooks", json={"url": receiver.url, "event_types": ["order.paid"]}
    )

    assert await deliveries(connectors_engine, subscription["id"]) == []
    assert refused.status_code == 422 and "https" in refused.json()["detail"]
    assert unknown.status_code == 422


async def test_500_timeout_429_and_a_slow_answer_are_retried_under_one_delivery_id(
    api, receiver, connectors_engine
):
    retried, answer_now = threading.Event(), threading.Event()
    receiver.script(
        Rule(status=500),
        Rule(hold_until=retried),  # hangs: released only once the sender has given up
        Rule(status=429, headers={"Retry-After": "1"}, releases=retried),
        Rule(hold_until=answer_now),  # slow: answers once the test has seen it waiting
    )
    subscription = await subscribe(api, receiver.url)
    await stage(connectors_engine, received())
    await until(lambda: len(receiver.received()) == 4)
    answer_now.set()

    [row] = await settled(connectors_engine, subscription["id"], 1)

    tries = receiver.received()
    assert [r.answered for r in tries] == [500, 200, 429, 200]
    assert len({r.header("Lotline-Delivery-Id") for r in tries}) == 1
    assert all(verified(r, subscription["secret"]) for r in tries)
    assert tries[3].at - tries[2].at >= 0.95, "Retry-After: 1 was honoured"
    assert (row.status, row.attempts, row.last_status_code) == ("done", 4, 200)
    log = (
        await api.get(
            "/api/outbound-webhooks/deliveries", params={"subscription_id": row.subscription_id}
        )
    ).json()
    assert [(d["id"], d["status"], d["attempts"]) for d in log] == [(str(row.id), "done", 4)]


async def test_a_later_delivery_for_an_order_waits_for_the_earlier_one_others_do_not(
    api, receiver, connectors_engine
):
    held, other = uuid.uuid4(), uuid.uuid4()

    def about(order_id: uuid.UUID) -> Callable[[Any], bool]:
        return lambda d: d["data"]["order_id"] == str(order_id)

    other_arrived = receiver.watch(about(other))

    # The held order's first event fails until the other order's event has arrived: were the
    # other one held back too, the held one would fail until dead.
    def held_first(d: Any) -> bool:
        return bool(d["type"] == "order.received" and about(held)(d))

    receiver.script(
        Rule(status=503, when=held_first),  # at least once, whatever arrived before
        Rule(status=503, times=100, when=held_first, until=other_arrived),
    )
    subscription = await subscribe(
        api, receiver.url, "order.received", "order.promised", "order.cancelled"
    )
    await stage(connectors_engine, received(held))
    await stage(
        connectors_engine,
        OrderPromised(order_id=held, promised_on=date(2026, 12, 24), reason="stock"),
    )
    await stage(connectors_engine, OrderCancelled(order_id=held, reason="customer"))
    await stage(connectors_engine, received(other))

    rows = await settled(connectors_engine, subscription["id"], 4)

    sent = [
        (r.document["type"], r.answered) for r in receiver.received() if about(held)(r.document)
    ]
    failed = sent.count(("order.received", 503))
    assert failed >= 1
    assert sent == [
        *[("order.received", 503)] * failed,
        ("order.received", 200),
        ("order.promised", 200),
        ("order.cancelled", 200),
    ], "nothing about the held order went before its first event"
    assert [r.status for r in rows] == ["done"] * 4
    [other_request] = receiver.received(lambda r: about(other)(r.document))
    held_success = receiver.received(lambda r: about(held)(r.document) and r.answered == 200)[0]
    assert other_request.at <= held_success.at, "the other order did not wait"


async def test_dead_after_the_budget_then_disabled_replayed_and_enabled(
    api, receiver, connectors_engine
):
    receiver.always(Rule(status=500))
    subscription = await subscribe(api, receiver.url)
    await stage(connectors_engine, received())
    await stage(connectors_engine, received())

    first, second = await settled(connectors_engine, subscription["id"], 2)

    assert [(r.status, r.attempts, r.last_status_code) for r in (first, second)] == [
        ("dead", FAST.max_attempts, 500),
        ("dead", FAST.max_attempts, 500),
    ]
    assert len(receiver.received()) == 2 * FAST.max_attempts
    [listed] = [
        s for s in (await api.get("/api/outbound-webhooks")).json() if s["id"] == subscription["id"]
    ]
    assert (listed["enabled"], listed["dead"], listed["consecutive_dead"]) == (False, 2, 2)
    assert "2 deliveries in a row are dead" in listed["disabled_reason"]
    await stage(connectors_engine, received())  # while disabled: nothing is staged
    assert len(await deliveries(connectors_engine, subscription["id"])) == 2

    receiver.always(None)  # the receiver is fixed
    replayed = await api.post(f"/api/outbound-webhooks/deliveries/{first.id}/replay")
    again = await api.post(f"/api/outbound-webhooks/deliveries/{first.id}/replay")
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    assert again.status_code == 409
    enabled = await api.post(f"/api/outbound-webhooks/{subscription['id']}/enable")
    assert enabled.json()["enabled"] is True

    rows = await settled(connectors_engine, subscription["id"], 2)  # enable woke the worker
    assert [(r.status, r.attempts) for r in rows] == [("done", 1), ("dead", FAST.max_attempts)]
    last = receiver.received()[-1]
    assert last.answered == 200 and last.header("Lotline-Delivery-Id") == str(first.id)
    dead = (
        await api.get(
            "/api/outbound-webhooks/deliveries",
            params={"subscription_id": subscription["id"], "status": "dead"},
        )
    ).json()
    assert [d["id"] for d in dead] == [str(second.id)]


async def test_a_refusal_is_dead_at_once_and_a_disabled_subscription_keeps_its_pending(
    api, receiver, connectors_engine
):
    receiver.script(Rule(status=410))
    subscription = await subscribe(api, receiver.url)
    await stage(connectors_engine, received())
    [dead] = await settled(connectors_engine, subscription["id"], 1)
    assert (dead.status, dead.attempts, dead.last_status_code) == ("dead", 1, 410)
    assert dead.last_error == "refused: HTTP 410"

    disabled = await api.post(
        f"/api/outbound-webhooks/{subscription['id']}/disable", json={"reason": "maintenance"}
    )
    assert disabled.json()["disabled_reason"] == "maintenance"
    await api.post(f"/api/outbound-webhooks/deliveries/{dead.id}/replay")
    assert [r.status for r in await deliveries(connectors_engine, subscription["id"])] == [
        "pending"
    ]
    await api.post(f"/api/outbound-webhooks/{subscription['id']}/enable")
    [done] = await settled(connectors_engine, subscription["id"], 1)
    assert (done.status, done.attempts) == ("done", 1)
    assert (await api.delete(f"/api/outbound-webhooks/{subscription['id']}")).status_code == 204
    assert await deliveries(connectors_engine, subscription["id"]) == []


# --- through Kafka: the consumer groups stage what the topics carry ----------------------


@pytest.fixture
async def kafka_settings(settings: Settings) -> Settings:
    kafka = settings.kafka.model_copy(
        update={"topic_prefix": f"{settings.kafka.topic_prefix}{uuid.uuid4().hex[:6]}."}
    )
    await ensure_topics(kafka, topics.ALL)
    return settings.model_copy(update={"kafka": kafka})


@pytest.fixture
async def consuming(
    kafka_settings: Settings, connectors_engine: AsyncEngine
) -> AsyncIterator[KafkaBroker]:
    """The connectors' consumer groups on the orders topic: the write-back one and the
    webhooks' one, as ``services.connectors.main`` wires them."""
    broker = kafka_broker(kafka_settings.kafka, client_id="test-outbound-webhooks")
    subscriber = EventSubscriber(
        broker,
        kafka_settings.kafka,
        service="connectors",
        consumer=ConsumerSettings(max_batch=50, batch_timeout_ms=100),
    )
    handlers.register(subscriber, broker, connectors_engine)
    subscribers.register(subscriber, broker, connectors_engine)
    await broker.start()
    yield broker
    await broker.stop()


async def test_events_on_the_topics_reach_the_receiver_beside_the_other_connectors_groups(
    api, receiver, connectors_engine, kafka_settings, consuming
):
    subscription = await subscribe(api, receiver.url, "order.received", "order.shipped")
    order_id = uuid.uuid4()
    shipped = ShipmentDispatched(
        order_id=order_id,
        shipment_id=uuid.uuid4(),
        channel="manual",
        shop="manual",
        external_id="M-1",
        carrier="manual",
        lots=(
            ShippedLot(line_no=1, item_code="SOAP", lot_code="L-1", quantity=Quantity.of(2, "pc")),
        ),
        completes_order=True,
    )
    sent = [Envelope.wrap(received(order_id)), Envelope.wrap(shipped)]
    for envelope in sent:
        await consuming.publish(
            envelope.to_bytes(),
            kafka_settings.kafka.topic(topics.ORDERS),
            key=envelope.key.encode(),
        )

    rows = await settled(connectors_engine, subscription["id"], 2)

    assert [(r.event_type, r.status) for r in rows] == [
        ("order.received", "done"),
        ("order.shipped", "done"),
    ]
    assert [r.document["type"] for r in receiver.received()] == ["order.received", "order.shipped"]
    async with connectors_engine.connect() as conn:
        consumers = set(
            await conn.scalars(
                sa.text("SELECT consumer FROM inbox WHERE event_id = :id"),
                {"id": sent[1].event_id},
            )
        )
    assert INBOX in consumers  # its own inbox record, whatever the write-back group did


# --- the CLI, over HTTP to the connectors' API (the gateway only forwards these paths) ----


async def test_the_cli_subscribes_lists_replays_disables_enables_and_deletes(
    settings, connectors_engine, worker, receiver
):
    app = create_app(settings, outbound_webhooks=FAST)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=connectors_engine)
    app.state.outbound_webhook_worker = worker
    runner = CliRunner()

    async def lotline(*args: str) -> Result:
        command = ["--gateway-url", url, "--api-key", "llk_test", "outbound-webhook", *args]
        return await asyncio.to_thread(lambda: runner.invoke(cli, command))

    receiver.script(Rule(status=404))
    async with serving(app) as url:
        added = await lotline("add", receiver.url, "-e", "order.received", "-e", "lot.recalled")
        assert added.exit_code == 0, added.output
        secret = added.output.split("keep it now): ")[1].split()[0]
        subscription_id = added.output.split()[1]
        listed = await lotline("list", "--json")
        await stage(connectors_engine, received())
        [dead] = await settled(connectors_engine, subscription_id, 1)
        log = await lotline("deliveries", "--subscription", subscription_id, "--status", "dead")
        replayed = await lotline("replay", str(dead.id))
        [done] = await settled(connectors_engine, subscription_id, 1)
        again = await lotline("replay", str(dead.id))
        rotated = await lotline("rotate-secret", subscription_id, "--yes")
        disabled = await lotline("disable", subscription_id, "--reason", "ERP upgrade")
        shown = await lotline("list")
        shown_json = await lotline("list", "--json")
        enabled = await lotline("enable", subscription_id)
        deleted = await lotline("delete", subscription_id)
        gone = await lotline("list", "--json")

    assert secret.startswith("whsec_") and secret not in listed.output
    assert subscription_id in listed.output
    assert dead.id.hex[:8] in log.output.replace("-", "") and "refused: HTTP 404" in log.output
    assert replayed.exit_code == 0 and "pending again" in replayed.output
    assert (done.status, done.attempts) == ("done", 1)
    assert all(verified(r, secret) for r in receiver.received())
    assert again.exit_code == 1 and "not dead" in again.output
    assert rotated.exit_code == 0, rotated.output
    new_secret = rotated.output.split("keep it now): ")[1].split()[0]
    assert new_secret.startswith("whsec_") and new_secret != secret
    assert "also signs until" in rotated.output and new_secret not in shown_json.output
    assert disabled.exit_code == 0 and "DISABLED" in shown.output
    assert '"disabled_reason": "ERP upgrade"' in shown_json.output
    assert enabled.exit_code == 0 and deleted.exit_code == 0
    assert subscription_id not in gone.output


async def test_old_delivered_rows_are_pruned_with_the_inbox_pending_and_dead_stay(
    api, receiver, connectors_engine
):
    subscription = await subscribe(api, receiver.url, "stock.changed")
    await api.post(f"/api/outbound-webhooks/{subscription['id']}/disable")  # nothing is sent
    now = datetime.now(UTC)
    ages = {"done": 40, "dead": 40, "pending": 40}
    rows = [
        {
            "id": uuid.uuid4(),
            "subscription_id": uuid.UUID(subscription["id"]),
            "event_id": uuid.uuid4(),
            "event_type": "stock.changed",
            "ordering_key": f"lot:L-{status}",
            "body": b"{}",
            "status": status,
            "created_at": now - timedelta(days=age),
        }
        for status, age in [*ages.items(), ("done", 1)]
    ]
    async with connectors_engine.begin() as conn:
        await conn.execute(t.outbound_delivery.insert(), rows)

    before = cutoff(now, 30)
    while await prune_batch(connectors_engine, DONE_DELIVERIES, before=before, limit=100) > 0:
        pass

    kept = await deliveries(connectors_engine, subscription["id"])
    assert sorted((r.status, (now - r.created_at).days) for r in kept) == [
        ("dead", 40),
        ("done", 1),
        ("pending", 40),
    ]


async def test_with_no_subscription_enabled_the_webhook_groups_pass_events_by_untouched(
    connectors_engine, kafka_settings, consuming
):
    async with connectors_engine.begin() as conn:  # what earlier tests subscribed, off
        await conn.execute(sa.text("UPDATE connectors_outbound_webhook SET enabled = false"))
    event = Envelope.wrap(received(uuid.uuid4()))
    orders_topic = kafka_settings.kafka.topic(topics.ORDERS)
    await consuming.publish(event.to_bytes(), orders_topic, key=event.key.encode())
    marks = await kafka_marks.end_offsets(kafka_settings.kafka, [orders_topic])

    webhooks_group = f"{kafka_settings.kafka.topic_prefix}connectors.outbound_webhooks_orders"
    await kafka_marks.wait_processed(kafka_settings.kafka, marks, groups=[webhooks_group])

    async with connectors_engine.connect() as conn:
        consumers = set(
            await conn.scalars(
                sa.text("SELECT consumer FROM inbox WHERE event_id = :id"), {"id": event.event_id}
            )
        )
    assert INBOX not in consumers  # committed past it without a transaction of its own
