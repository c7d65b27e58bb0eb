"""A dead-lettered message is counted for /metrics and logged under its correlation id."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from shared.contracts.envelope import Envelope
from shared.contracts.orders import OrderCancelled
from shared.messaging import EventSubscriber
from shared.observability.logs import json_handler
from shared.settings import KafkaSettings


class Broker:
    def __init__(self) -> None:
        self.published: list[tuple[bytes, str]] = []

    async def publish(self, body: bytes, topic: str, **_: Any) -> None:
        self.published.append((body, topic))


def record(value: bytes) -> SimpleNamespace:
    return SimpleNamespace(value=value, headers=[], partition=1, offset=7, key=b"k")


async def test_a_failing_handler_dead_letters_counts_and_logs_with_the_correlation_id():
    broker = Broker()
    subscriber = EventSubscriber(broker, KafkaSettings(), service="orders")  # type: ignore[arg-type]
    flow, order_id = uuid4(), uuid4()
    envelope = Envelope.wrap(OrderCancelled(order_id=order_id, reason="x"), correlation_id=flow)
    stream = io.StringIO()
    logger = logging.getLogger("shared.messaging")
    handler = json_handler("orders", stream)
    logger.addHandler(handler)

    async def explodes(_envelope: Envelope, _event: object) -> None:
        raise RuntimeError("deterministic bug")

    try:
        await subscriber.deliver("t.orders.events", record(envelope.to_bytes()), explodes)
        await subscriber.deliver("t.orders.events", record(b"{not json"), explodes)
    finally:
        logger.removeHandler(handler)

    assert [topic for _, topic in broker.published] == ["t.orders.events.dlq"] * 2
    assert subscriber.dead_lettered == {"t.orders.events": 2}
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    failed = [line for line in lines if line["level"] == "error"]
    assert failed[0]["correlation_id"] == str(flow) and failed[0]["order_id"] == str(order_id)
    assert "RuntimeError: deterministic bug" in failed[0]["exception"]
    assert "correlation_id" not in failed[-1]  # unreadable: no flow to name
