"""Waiting for a race to be certain: the callers queued on an advisory lock, seen in
PostgreSQL's own ``pg_locks``, instead of a delay that only makes the race likely."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

WAITERS = sa.text(
    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
    " WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"
)


async def waiting(engine: AsyncEngine) -> int:
    """How many sessions of this database wait for an advisory lock now (another test
    run's databases on the same server are not counted)."""
    async with engine.connect() as conn:
        return int(await conn.scalar(WAITERS) or 0)


async def until_waiting(engine: AsyncEngine, count: int, *, timeout: float = 20.0) -> None:
    """Until ``count`` sessions of this database wait for an advisory lock."""
    async with asyncio.timeout(timeout):
        while True:
            if await waiting(engine) >= count:
                return
            await asyncio.sleep(0.01)
