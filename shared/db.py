"""Engines and databases. Services use SQLAlchemy Core over asyncpg on hot paths."""

from __future__ import annotations

import contextlib
import time
from datetime import datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.settings import PostgresSettings

# A connection idle longer than this is pinged before it is lent again: long enough that a
# busy service (which reuses its most recent connection within milliseconds) and the idle
# workers' fallback polls (every 1–5 s) never pay the ping. One that died in a database
# restart meanwhile fails its first statement, and SQLAlchemy then replaces the whole pool.
PING_AFTER_IDLE_SECONDS = 10.0


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """A pool of up to twice ``pool_size`` connections that lends its most recently used
    connection first and pings only one that sat idle: SQLAlchemy's ``pool_pre_ping``
    costs three round trips (BEGIN, ping, ROLLBACK) on every checkout, a third of all
    statements a busy service sent.

    It keeps every connection it opened (no overflow): an overflow connection is closed
    when it comes back to a pool with ``pool_size`` idle, so a saturated service's bursts
    opened and closed connections all the time (connectors: about one per ten orders at
    80/s, each a new PostgreSQL backend, its login and every statement prepared again).
    The most it holds is the same ``2 * pool_size``; an idle one costs the server memory."""
    engine = create_async_engine(url, pool_size=2 * pool_size, max_overflow=0, pool_use_lifo=True)
    ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Check a connection before lending it when it has been idle ``idle_seconds``; a dead
    one is replaced (the pool retries the checkout with a fresh connection). A connection
    that dies while lent fails its statement, and SQLAlchemy then invalidates the pool."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def connected(_dbapi_connection: Any, record: Any) -> None:
        record.info["lotline.last_used"] = time.monotonic()

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["lotline.last_used"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last_used = record.info.get("lotline.last_used", 0.0)
        if time.monotonic() - last_used < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError(f"idle connection is gone: {error!r}") from error

    event.listen(pool, "connect", connected)
    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


def asyncpg_dsn(url: str) -> str:
    """The same URL in the form asyncpg itself accepts (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def ensure_database(pg: PostgresSettings, database: str) -> None:
    """Create ``database`` if it does not exist yet (idempotent, race-tolerant)."""
    conn = await asyncpg.connect(asyncpg_dsn(pg.url_for_database("postgres")))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # two instances starting at once: the loser sees either error
            with contextlib.suppress(asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


async def drop_database(pg: PostgresSettings, database: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(pg.url_for_database("postgres")))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()


def timestamp(name: str) -> sa.Column[datetime]:
    """A ``timestamptz`` column that the database fills in at insert."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
