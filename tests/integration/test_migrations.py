"""Each service's migrations build exactly the schema its ``tables.py`` describes, so a
table changed without a migration fails here rather than in production."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from shared import db, migrations
from shared.settings import Settings
from tests.conftest import settings_env

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


# Imports first, then waits for "go" on stdin: the racers start their upgrades together.
UPGRADE = """
import asyncio, sys
from pathlib import Path
from shared import db, migrations
from shared.settings import Settings
from tests.conftest import settings_env
pg = Settings().pg
print("ready", flush=True)
sys.stdin.readline()
asyncio.run(db.ensure_database(pg, sys.argv[2]))
asyncio.run(migrations.upgrade("inventory", Path(sys.argv[1]), pg.url_for_database(sys.argv[2])))
"""


async def test_instances_starting_at_once_on_a_fresh_database_all_migrate_it(
    settings: Settings,
) -> None:
    """Several instances of a service creating and upgrading one new database side by side:
    one creates it and migrates, the others wait for it and find it at head (none exits on
    a duplicate database or version table, as they did before)."""
    name = f"{settings.pg.database_prefix}race_inventory"
    await db.drop_database(settings.pg, name)
    try:
        racers = [
            await asyncio.create_subprocess_exec(
                *(sys.executable, "-c", UPGRADE, str(SERVICES / "inventory" / "migrations"), name),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=SERVICES.parent,
                env=settings_env(settings),
            )
            for _ in range(4)
        ]
        for racer in racers:
            assert racer.stdout is not None
            assert await racer.stdout.readline() == b"ready\n"
        for racer in racers:
            assert racer.stdin is not None
            racer.stdin.write(b"go\n")
            await racer.stdin.drain()
        outcomes = [await racer.communicate() for racer in racers]
        codes = [racer.returncode for racer in racers]
    finally:
        await db.drop_database(settings.pg, name)

    assert codes == [0, 0, 0, 0], [err.decode()[-400:] for _, err in outcomes]
