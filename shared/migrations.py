"""Alembic, per service: each service keeps its own migrations and version table.

A service's ``migrations/env.py`` is two lines that call :func:`run_env`; a service
upgrades its database at start with :func:`upgrade`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(service: str, migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["version_table"] = f"alembic_version_{service}"
    return config


async def upgrade(service: str, migrations_dir: Path, url: str) -> None:
    """Bring the service's database to the newest revision (runs Alembic in a thread)."""
    config = alembic_config(service, migrations_dir, url)
    await asyncio.to_thread(command.upgrade, config, "head")


def run_env(target_metadata: sa.MetaData) -> None:
    """The body of every service's ``env.py``: online migrations over asyncpg.

    ``target_metadata`` lets ``alembic revision --autogenerate`` write explicit operations.
    """
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    version_table = config.attributes.get("version_table", "alembic_version")
    assert url is not None, "sqlalchemy.url must be set"

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=version_table,
            include_name=lambda name, type_, _parent: (
                not (type_ == "table" and name is not None and name.startswith("alembic_version"))
            ),
        )
        with context.begin_transaction():
            # Two instances starting at once on a fresh database would both create the
            # version table and run the same revisions: the second waits here, then finds
            # the database at head.
            lock = sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"lotline:{version_table}"))
            connection.execute(sa.select(lock))
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
            await connection.commit()
        await engine.dispose()

    asyncio.run(main())


async def _autogenerate(service: str, message: str) -> None:
    """Developer tool: write the next revision of ``service`` from its ``tables.py``.

    Uses a scratch database brought to head first, so the diff is exactly the change.
    """
    from shared import db
    from shared.settings import get_settings

    pg = get_settings().pg
    scratch = f"lotline_autogen_{service}"
    await db.drop_database(pg, scratch)
    await db.ensure_database(pg, scratch)
    migrations_dir = Path("services") / service / "migrations"
    config = alembic_config(service, migrations_dir, pg.url_for_database(scratch))
    try:
        await asyncio.to_thread(command.upgrade, config, "head")
        versions = sorted((migrations_dir / "versions").glob("[0-9]*.py"))
        rev_id = f"{len(versions) + 1:04d}"
        await asyncio.to_thread(
            command.revision, config, message=message, autogenerate=True, rev_id=rev_id
        )
    finally:
        await db.drop_database(pg, scratch)


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "revision":
        raise SystemExit("usage: python -m shared.migrations revision <service> <message>")
    asyncio.run(_autogenerate(sys.argv[2], sys.argv[3]))
