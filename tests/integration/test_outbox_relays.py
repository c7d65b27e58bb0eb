"""Two instances of a service run two outbox relays over one outbox: one publishes at a
time, so an aggregate's events still reach Kafka in the order they were staged."""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import outbox
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotChanged, LotStatus
from shared.outbox import OutboxRelay
from shared.units import Quantity
from tests.integration.advisory_locks import waiting


class RecordingBroker:
    """Stands in for the Kafka producer: notes each event in the order it is handed over;
    a gated one first waits until the test opens its gate (a relay slow in mid-batch)."""

    def __init__(self, handed: list[tuple[str, int]], gate: asyncio.Event | None = None) -> None:
        self.handed = handed
        self.gate = gate
        self.waiting = asyncio.Event()

    async def publish(self, body: bytes, topic: str, **_: Any) -> asyncio.Future[None]:
        if self.gate is not None:
            self.waiting.set()
            await self.gate.wait()
        payload = Envelope.from_bytes(body).payload  # earlier tests' rows are other events
        self.handed.append((payload.get("lot_code", "?"), payload.get("revision", -1)))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def relay(engine: AsyncEngine, broker: RecordingBroker) -> OutboxRelay:
    return OutboxRelay(engine, cast(KafkaBroker, broker), topic_name=str, batch_size=2)


async def test_a_second_relay_waits_for_the_first_so_an_aggregates_events_stay_in_order(
    orders_engine: AsyncEngine,
) -> None:
    drained: list[tuple[str, int]] = []
    while await relay(orders_engine, RecordingBroker(drained)).publish_pending():
        pass  # what earlier tests left staged
    revisions = [
        LotChanged(
            lot_code="L-ORDERED",
            item_code="HONEY",
            on_hand=Quantity.of(n, "pc"),
            reserved=Quantity.of(0, "pc"),
            revision=n,
            status=LotStatus.AVAILABLE,
        )
        for n in range(1, 5)
    ]  # one lot's four revisions: one key
    async with orders_engine.begin() as conn:
        await outbox.add(conn, revisions)
    handed: list[tuple[str, int]] = []
    gate = asyncio.Event()
    slow = RecordingBroker(handed, gate)
    first = asyncio.create_task(relay(orders_engine, slow).publish_pending())
    await asyncio.wait_for(slow.waiting.wait(), 10)  # it holds revisions 1 and 2

    second = asyncio.create_task(relay(orders_engine, RecordingBroker(handed)).publish_pending())
    # The second relay either queues behind the first (it waits for the lock) or, taking
    # the rows the first left unlocked, publishes revisions 3 and 4 ahead of 1 and 2.
    deadline = time.monotonic() + 10
    while not second.done() and not await waiting(orders_engine):
        assert time.monotonic() < deadline, "the second relay neither waited nor published"
        await asyncio.sleep(0.02)
    gate.set()
    published = [await first, await second]

    assert sum(published) == 4
    assert handed == [("L-ORDERED", n) for n in (1, 2, 3, 4)]
