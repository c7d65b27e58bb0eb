"""The pool pings a connection only after it sat idle, and replaces a dead one then; a busy
connection is lent without the three-round-trip ping ``pool_pre_ping`` used to cost."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared import db
from shared.settings import Settings


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(settings: Settings, pid: int) -> None:
    killer = create_async_engine(settings.pg.url_for_database("postgres"))
    try:
        async with killer.connect() as conn:
            await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            # Wait for the backend to be gone, not for a time.
            for _ in range(200):
                alive = await conn.execute(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": pid},
                )
                if alive.scalar_one() == 0:
                    return
                await conn.execute(sa.text("SELECT pg_sleep(0.01)"))
        raise AssertionError(f"backend {pid} outlived pg_terminate_backend")
    finally:
        await killer.dispose()


def _engine(settings: Settings, idle_seconds: float) -> AsyncEngine:
    engine = create_async_engine(
        settings.pg.url_for_database("postgres"), pool_size=1, max_overflow=0
    )
    db.ping_when_idle(engine, idle_seconds)
    return engine


async def test_an_idle_connection_killed_by_the_server_is_replaced_before_it_is_lent(
    settings: Settings,
) -> None:
    engine = _engine(settings, idle_seconds=0.0)  # every checkout counts as after idle
    try:
        first = await _backend_pid(engine)
        await _terminate(settings, first)
        second = await _backend_pid(engine)  # no error: the ping found it dead
        assert second != first
    finally:
        await engine.dispose()


async def test_a_recently_used_connection_is_lent_without_a_ping(settings: Settings) -> None:
    engine = _engine(settings, idle_seconds=3600.0)
    try:
        first = await _backend_pid(engine)
        await _terminate(settings, first)
        # Not pinged: the dead connection is lent and its statement fails...
        with pytest.raises(DBAPIError) as failed:
            await _backend_pid(engine)
        assert failed.value.connection_invalidated
        # ...and the pool, invalidated by that failure, lends a fresh one next.
        assert await _backend_pid(engine) != first
    finally:
        await engine.dispose()


async def test_service_engines_lend_the_most_recently_returned_connection(
    settings: Settings,
) -> None:
    """LIFO keeps one connection hot under light load (never idle, never pinged) and lets
    the others idle, instead of rotating through all of them."""
    engine = db.create_engine(settings.pg.url_for_database("postgres"), pool_size=2)
    try:
        async with engine.connect() as first, engine.connect() as second:
            pids = [
                (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
                for conn in (first, second)
            ]
        # ``second`` went back first, ``first`` last
        assert await _backend_pid(engine) == pids[0]
    finally:
        await engine.dispose()


async def test_service_engines_keep_the_connections_a_burst_opened(settings: Settings) -> None:
    """Up to twice ``pool_size`` at once, and none closed when they come back: a burst's
    extra connection is lent again in the next burst, not closed and opened anew."""
    engine = db.create_engine(settings.pg.url_for_database("postgres"), pool_size=1)

    async def burst() -> set[int]:
        async with engine.connect() as first, engine.connect() as second:
            return {
                (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
                for conn in (first, second)
            }

    try:
        opened = await burst()
        assert len(opened) == 2
        assert await burst() == opened
    finally:
        await engine.dispose()
