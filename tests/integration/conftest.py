"""Integration fixtures: each service's real database, migrated, for this test run; and a
connection inside a transaction that is rolled back after the test, for tests whose code
under test takes a connection and that need nothing committed (``rolled_back``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared import db, migrations
from shared.contracts import topics
from shared.messaging import ensure_topics
from shared.settings import Settings

SERVICES = Path(__file__).resolve().parents[2] / "services"


async def _migrated_engine(settings: Settings, service: str) -> AsyncEngine:
    await db.ensure_database(settings.pg, settings.pg.database(service))
    await migrations.upgrade(service, SERVICES / service / "migrations", settings.pg.url(service))
    return db.create_engine(settings.pg.url(service), pool_size=10)


@pytest.fixture(scope="session")
async def inventory_engine(
    settings: Settings, scratch_databases: None
) -> AsyncIterator[AsyncEngine]:
    engine = await _migrated_engine(settings, "inventory")
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def orders_engine(settings: Settings, scratch_databases: None) -> AsyncIterator[AsyncEngine]:
    engine = await _migrated_engine(settings, "orders")
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def production_engine(
    settings: Settings, scratch_databases: None
) -> AsyncIterator[AsyncEngine]:
    engine = await _migrated_engine(settings, "production")
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def connectors_engine(
    settings: Settings, scratch_databases: None
) -> AsyncIterator[AsyncEngine]:
    engine = await _migrated_engine(settings, "connectors")
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def trace_engine(settings: Settings, scratch_databases: None) -> AsyncIterator[AsyncEngine]:
    engine = await _migrated_engine(settings, "trace")
    yield engine
    await engine.dispose()


@asynccontextmanager
async def rolled_back(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside an outer transaction that is rolled back at the end: what the
    test writes is seen by this connection only and never committed, so it leaves nothing
    behind for the next test. Code under test that opens and commits its own transaction
    on this connection (``conn.begin_nested()``) gets a savepoint; code that opens ORM
    sessions can join it with ``AsyncSession(bind=conn,
    join_transaction_mode="create_savepoint")``. Not for code that takes the engine, nor for
    a test whose writes another connection or process must see."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        try:
            yield conn
        finally:
            await outer.rollback()


@pytest.fixture
async def inventory_conn(inventory_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with rolled_back(inventory_engine) as conn:
        yield conn


@pytest.fixture
async def orders_conn(orders_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with rolled_back(orders_engine) as conn:
        yield conn


@pytest.fixture
async def topic_settings(settings: Settings) -> Settings:
    """The run's settings with a topic prefix of the test's own and its inventory topic
    created: a consumer group of the test reads only what the test published."""
    kafka = settings.kafka.model_copy(
        update={"topic_prefix": f"{settings.kafka.topic_prefix}{uuid.uuid4().hex[:6]}."}
    )
    await ensure_topics(kafka, [topics.INVENTORY])
    return settings.model_copy(update={"kafka": kafka})
