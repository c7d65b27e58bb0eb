"""Each service's migrations build exactly the schema its ``tables.py`` describes, so a
table changed without a migration fails here rather than in production."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from shared import db, migrations
from shared.settings import Settings

SERVICES = Path(__file__).resolve().parents[2] / "services"


@pytest.mark.parametrize("service", ["orders", "inventory", "production", "connectors", "trace"])
async def test_migrations_match_the_tables(settings: Settings, service: str) -> None:
    name = f"{settings.pg.database_prefix}schema_{service}"
    await db.drop_database(settings.pg, name)
    await db.ensure_database(settings.pg, name)
    url = settings.pg.url_for_database(name)
    metadata = importlib.import_module(f"services.{service}.tables").metadata
    engine = db.create_engine(url, pool_size=1)
    try:
        await migrations.upgrade(service, SERVICES / service / "migrations", url)

        def differences(conn: Connection) -> list[object]:
            context = MigrationContext.configure(
                conn, opts={"version_table": f"alembic_version_{service}"}
            )
            return [
                d for d in compare_metadata(context, metadata) if "alembic_version" not in str(d)
            ]

        async with engine.connect() as conn:
            diff = await conn.run_sync(differences)
    finally:
        await engine.dispose()
        await db.drop_database(settings.pg, name)

    assert diff == []
