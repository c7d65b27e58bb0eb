"""The replays a service made, in its own database: one row per dead letter, whose key is
the dead letter's coordinates, so a second replay of the same one finds the first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.dead_letters.letters import Coordinates


def replay_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "dead_letter_replay",
        metadata,
        sa.Column("dlq_topic", sa.Text, primary_key=True),
        sa.Column("dlq_partition", sa.Integer, primary_key=True),
        sa.Column("dlq_offset", sa.BigInteger, primary_key=True),
        sa.Column("original_topic", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text),
        sa.Column("event_type", sa.Text),
        sa.Column("replayed_by", sa.Text, nullable=False),
        sa.Column(
            "replayed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


_metadata = sa.MetaData()
REPLAY = replay_table(_metadata)


@dataclass(frozen=True)
class Replay:
    """Who sent a dead letter back to its topic, and when."""

    at: Coordinates
    original_topic: str
    replayed_by: str
    replayed_at: datetime


def _replay(row: sa.Row[tuple[object, ...]]) -> Replay:
    m = row._mapping
    return Replay(
        at=Coordinates(m["dlq_topic"], m["dlq_partition"], m["dlq_offset"]),
        original_topic=m["original_topic"],
        replayed_by=m["replayed_by"],
        replayed_at=m["replayed_at"],
    )


async def claim(
    conn: AsyncConnection,
    at: Coordinates,
    *,
    original_topic: str,
    event_id: str | None,
    event_type: str | None,
    replayed_by: str,
) -> bool:
    """Record the replay of ``at`` in the caller's transaction; False if it was already
    replayed. A concurrent claim waits on the key until this transaction ends."""
    result = await conn.execute(
        insert(REPLAY)
        .values(
            dlq_topic=at.topic,
            dlq_partition=at.partition,
            dlq_offset=at.offset,
            original_topic=original_topic,
            event_id=event_id,
            event_type=event_type,
            replayed_by=replayed_by,
        )
        .on_conflict_do_nothing()
        .returning(REPLAY.c.dlq_offset)
    )
    return result.first() is not None


async def of(conn: AsyncConnection, at: Coordinates) -> Replay | None:
    row = (
        await conn.execute(
            sa.select(REPLAY).where(
                REPLAY.c.dlq_topic == at.topic,
                REPLAY.c.dlq_partition == at.partition,
                REPLAY.c.dlq_offset == at.offset,
            )
        )
    ).first()
    return _replay(row) if row else None


async def on_topics(conn: AsyncConnection, topics: Iterable[str]) -> dict[Coordinates, Replay]:
    """Every replay made from ``topics``: few rows, one per operator's click."""
    rows = (await conn.execute(sa.select(REPLAY).where(REPLAY.c.dlq_topic.in_(list(topics))))).all()
    return {replay.at: replay for replay in map(_replay, rows)}
