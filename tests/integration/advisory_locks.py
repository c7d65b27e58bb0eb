"""Waiting for a race to be certain: the callers queued on an advisory lock, seen in
PostgreSQL's own ``pg_locks``, instead of a delay that only makes the race likely."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fakes import HeldAnswers

T = TypeVar("T")

WAITERS = sa.text(
    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
    " WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"
)


async def waiting(engine: AsyncEngine) -> int:
    """How many sessions of this database wait for an advisory lock now (another test
    run's databases on the same server are not counted)."""
    async with engine.connect() as conn:
        return int(await conn.scalar(WAITERS) or 0)


# Sessions of this database waiting for any lock: a row's (its transaction's) too, which
# pg_locks files under no database.
LOCK_WAITERS = sa.text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
)


async def waiting_for_any_lock(engine: AsyncEngine) -> int:
    """How many sessions of this database wait for a lock of any kind now."""
    async with engine.connect() as conn:
        return int(await conn.scalar(LOCK_WAITERS) or 0)


async def until_waiting(
    engine: AsyncEngine,
    count: int,
    *,
    timeout: float = 20.0,
    probe: Callable[[AsyncEngine], Coroutine[Any, Any, int]] = waiting,
) -> None:
    """Until ``count`` sessions of this database wait for an advisory lock (``probe``:
    another count, e.g. ``waiting_for_any_lock``)."""
    async with asyncio.timeout(timeout):
        while True:
            if await probe(engine) >= count:
                return
            await asyncio.sleep(0.01)


async def racing_one_refresh(
    engine: AsyncEngine,
    held: HeldAnswers,
    call: Callable[[], Coroutine[Any, Any, T]],
    *,
    callers: int = 8,
) -> list[T]:
    """``callers`` calls at once while the marketplace holds its token answers: certain that
    all but the first queue on the refresh lock while the first one's refresh is at the
    fake, then released; what each call returned. The answers are released whatever happens
    (a failed check must not leave the callers, or the fake's teardown, hanging)."""
    held.hold()
    tasks = [asyncio.create_task(call()) for _ in range(callers)]
    try:
        await until_waiting(engine, callers - 1)  # the others queued on the refresh lock
        await held.until_held(1)  # the first caller's refresh reached the marketplace
        assert held.held == 1
    finally:
        held.release()
    return list(await asyncio.gather(*tasks))
