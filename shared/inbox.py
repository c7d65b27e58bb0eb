"""Inbox: a consumed event is applied once, because its id is recorded in the same
transaction as its effects (invariant 4)."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection


def inbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", PgUUID(as_uuid=True), primary_key=True),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


_metadata = sa.MetaData()
INBOX = inbox_table(_metadata)


async def record(conn: AsyncConnection, event_id: UUID, *, consumer: str) -> bool:
    """True the first time ``consumer`` sees ``event_id``; False for a redelivery."""
    result = await conn.execute(
        insert(INBOX)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(INBOX.c.event_id)
    )
    return result.first() is not None
