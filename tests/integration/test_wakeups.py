"""In-process wake-ups after commit (``shared.wakeups``): the workers sleep on a slow
fallback and are woken by the transactions that gave them work, never by one rolled back."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production.promise import replanner
from shared import outbox, wakeups
from shared.contracts.inventory import LotReceived
from shared.polling import PollingWorker
from shared.units import Quantity


class Rollback(Exception):
    pass


async def test_a_marked_commit_wakes_after_it_and_a_rollback_wakes_nobody(
    orders_engine: AsyncEngine,
):
    what = f"test-{uuid.uuid4().hex[:6]}"
    woken: list[str] = []
    wakeups.wake_after_commit(orders_engine, what, lambda: woken.append("woken"))

    with pytest.raises(Rollback):
        async with orders_engine.begin() as conn:
            wakeups.mark(conn, what)
            raise Rollback
    assert woken == []

    async with orders_engine.begin() as conn:
        wakeups.mark(conn, what)
        await conn.execute(sa.text("SELECT 1"))
        assert woken == []  # not before the commit
    assert woken == ["woken"]

    async with orders_engine.begin() as conn:  # the same pooled connection, no new mark
        await conn.execute(sa.text("SELECT 1"))
    assert woken == ["woken"]


class Counting(PollingWorker):
    def __init__(self, engine: AsyncEngine, what: str) -> None:
        super().__init__(name="counting", batch_size=10, interval=60.0, settle=0.2)
        self.turns = 0
        wakeups.wake_after_commit(engine, what, self.wake)

    async def step(self) -> int:
        self.turns += 1
        return 0


async def test_a_worker_on_a_slow_fallback_runs_once_per_burst_of_commits(
    orders_engine: AsyncEngine,
):
    what = f"test-{uuid.uuid4().hex[:6]}"
    worker = Counting(orders_engine, what)
    worker.start()
    try:
        await asyncio.sleep(0.1)
        assert worker.turns == 1  # the first turn, then it sleeps on its 60 s fallback
        for _ in range(5):
            async with orders_engine.begin() as conn:
                wakeups.mark(conn, what)
        await asyncio.sleep(0.6)
        assert worker.turns == 2  # five commits within the settle time: one more turn
    finally:
        await worker.stop()


async def test_staging_events_wakes_the_relay_and_the_replanner_listens_for_its_mark(
    orders_engine: AsyncEngine, production_engine: AsyncEngine
):
    earlier = outbox.OutboxRelay(orders_engine, None, topic_name=str)  # type: ignore[arg-type]
    relay = outbox.OutboxRelay(orders_engine, None, topic_name=str)  # type: ignore[arg-type]
    event = LotReceived(lot_code="L-WAKE", item_code="HONEY", quantity=Quantity.of(1, "pc"))
    async with orders_engine.begin() as conn:
        [staged] = await outbox.add(conn, [event])
        assert not relay._wake.is_set()
        await conn.execute(
            outbox.OUTBOX.delete().where(outbox.OUTBOX.c.event_id == staged.event_id)
        )
    assert relay._wake.is_set() and earlier._wake.is_set()  # every one registered is woken

    worker = replanner.Replanner(production_engine)
    async with production_engine.begin() as conn:
        wakeups.mark(conn, replanner.PLAN_CHANGED)
    assert worker._wake.is_set()
