"""Engines and databases. Services use SQLAlchemy Core over asyncpg on hot paths."""

from __future__ import annotations

import contextlib
from datetime import datetime

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.settings import PostgresSettings


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def asyncpg_dsn(url: str) -> str:
    """The same URL in the form asyncpg itself accepts (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def ensure_database(pg: PostgresSettings, database: str) -> None:
    """Create ``database`` if it does not exist yet (idempotent, race-tolerant)."""
    conn = await asyncpg.connect(asyncpg_dsn(pg.url_for_database("postgres")))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
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
