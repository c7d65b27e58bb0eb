"""Integration fixtures: each service's real database, migrated, for this test run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import db, migrations
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
