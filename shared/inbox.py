"""Inbox: a consumed event is applied once, because its id is recorded in the same
transaction as its effects (invariant 4). An id is kept as long as a duplicate can still
arrive, then pruned by ``shared.retention`` (indexed by ``processed_at`` for it)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.hot_sql import HotStatement


def inbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", PgUUID(as_uuid=True), primary_key=True),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Index("inbox_by_processed_at", "processed_at"),
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


_RECORD_MANY = HotStatement(
    sa.text(
        "INSERT INTO inbox (consumer, event_id) SELECT :consumer, unnest(:event_ids) "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    ).bindparams(
        sa.bindparam("consumer", type_=sa.Text),
        sa.bindparam("event_ids", type_=ARRAY(PgUUID(as_uuid=True))),
    )
)


async def record_many(
    conn: AsyncConnection, event_ids: Iterable[UUID], *, consumer: str
) -> set[UUID]:
    """The ids of ``event_ids`` that ``consumer`` sees for the first time, in one statement
    (the others are redeliveries)."""
    unique = list(dict.fromkeys(event_ids))
    if not unique:
        return set()
    rows = await _RECORD_MANY.fetch(conn, consumer=consumer, event_ids=unique)
    return {row[0] for row in rows}
