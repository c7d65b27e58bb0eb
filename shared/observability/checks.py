"""The standard readiness checks: the database answers, the Kafka broker answers, and the
service's Alembic migrations are at head (a process started against an older schema, or
a database someone rolled back, is not ready)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.migrations import alembic_config
from shared.observability.kafka_admin import admin_client
from shared.settings import KafkaSettings


@dataclass(frozen=True)
class Check:
    """A named probe: returns a detail when ready, raises when not."""

    name: str
    probe: Callable[[], Awaitable[str]]

    async def check(self) -> str:
        return await self.probe()


class NotReady(Exception):
    """A dependency answered, but not the way a ready process needs."""


def database(engine: AsyncEngine) -> Check:
    async def probe() -> str:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        return "answers"

    return Check("database", probe)


def kafka(settings: KafkaSettings) -> Check:
    async def probe() -> str:
        async with admin_client(settings) as admin:
            cluster = await admin.describe_cluster()
        return f"{len(cluster.get('brokers', []))} broker(s)"

    return Check("kafka", probe)


def upstream(name: str, url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> Check:
    """Another process is ready: its ``GET url`` answers 200 (the gateway asks each
    service's ``/readyz``)."""

    async def probe() -> str:
        async with httpx.AsyncClient(timeout=2.0, transport=transport) as client:
            answer = await client.get(url)
        if answer.status_code != 200:
            raise NotReady(f"{url} answered {answer.status_code}")
        return "ready"

    return Check(name, probe)


def migrations_at_head(service: str, migrations_dir: Path, engine: AsyncEngine) -> Check:
    """Compares the scripts' heads with the service's own version table."""
    heads: list[frozenset[str]] = []

    async def probe() -> str:
        if not heads:  # the scripts do not change while the process runs
            config = alembic_config(service, migrations_dir, "")
            script = await asyncio.to_thread(ScriptDirectory.from_config, config)
            heads.append(frozenset(script.get_heads()))
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text(f'SELECT version_num FROM "alembic_version_{service}"')
            )
            current = frozenset(row[0] for row in rows)
        return at_head(heads[0], current)

    return Check("migrations", probe)


def at_head(heads: frozenset[str], current: frozenset[str]) -> str:
    """The detail when the database is at head; raises NotReady saying what differs."""
    if current == heads:
        return f"at head {', '.join(sorted(heads))}"
    shown = ", ".join(sorted(current)) or "none"
    raise NotReady(f"database at {shown}, scripts at {', '.join(sorted(heads))}")
