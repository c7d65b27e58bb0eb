"""The loop every background worker runs: a turn, then a sleep that a wake-up, the work's
own due time or the fallback interval ends — whichever comes first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from shared.polling import SHORTEST_PAUSE, PollingWorker, seconds_until

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class Scripted(PollingWorker):
    """Counts its turns; says work is due in ``due_in`` seconds after each."""

    def __init__(self, due_in: float | None) -> None:
        super().__init__(name="scripted", batch_size=10, interval=600.0)
        self.due_in = due_in
        self.turns = 0
        self.asked = 0

    async def step(self) -> int:
        self.turns += 1
        return 0

    async def next_turn_in(self) -> float | None:
        self.asked += 1
        return self.due_in


async def turns_reach(worker: Scripted, count: int) -> None:
    async with asyncio.timeout(10):
        while worker.turns < count:
            await asyncio.sleep(0.01)


async def test_a_worker_sleeps_only_until_its_work_is_due_not_the_whole_interval() -> None:
    worker = Scripted(due_in=0.05)
    worker.start()
    try:
        await turns_reach(worker, 3)  # an interval of 600 s would allow one turn only
    finally:
        await worker.stop()
    assert worker.asked >= 2


async def test_with_nothing_due_only_a_wake_brings_the_next_turn() -> None:
    worker = Scripted(due_in=None)
    worker.start()
    try:
        await turns_reach(worker, 1)
        async with asyncio.timeout(10):
            while worker.asked < 1:  # the first turn is over and the worker sleeps
                await asyncio.sleep(0.01)
        assert worker.turns == 1
        worker.wake()
        await turns_reach(worker, 2)
    finally:
        await worker.stop()


class Failing(Scripted):
    async def next_turn_in(self) -> float | None:
        self.asked += 1
        raise RuntimeError("the database is away")


async def test_a_worker_that_cannot_tell_when_work_is_due_looks_again_after_a_pause() -> None:
    worker = Failing(due_in=None)
    worker.start()
    try:
        await turns_reach(worker, 2)  # after pause_after_fault (1 s), not the 600 s interval
    finally:
        await worker.stop()


def test_seconds_until_is_never_below_the_shortest_pause_and_none_for_no_work() -> None:
    assert seconds_until(None, NOW) is None
    assert seconds_until(NOW + timedelta(seconds=30), NOW) == 30.0
    assert seconds_until(NOW - timedelta(hours=1), NOW) == SHORTEST_PAUSE.total_seconds()
    assert seconds_until(NOW, NOW, shortest=timedelta(seconds=1)) == 1.0
