"""Transactional outbox: events are written in the same transaction as the state change
(invariant 4) and a relay publishes them to Kafka afterwards, keyed by aggregate id.

A row is deleted in the transaction that published it, so the table holds only what waits
(Kafka keeps the history: ``shared.contracts.topics``). A crash between "produced" and
"deleted" re-publishes the batch; consumers dedupe by event id (see ``shared.inbox``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any
from uuid import UUID

import orjson
import sqlalchemy as sa
from faststream.kafka import KafkaBroker
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared import derived_ids, wakeups
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.hot_sql import HotStatement, any_of, bound
from shared.observability.correlation import current_correlation_id
from shared.polling import PollingWorker

log = logging.getLogger(__name__)

WAKE = "outbox"  # the mark (``shared.wakeups``) of a transaction that staged events
_TOGETHER = "lotline.outbox.together"  # rows kept for one insert (``written_together``)
# The transaction-scoped advisory lock one relay of a database holds while it publishes.
RELAY_LOCK = sa.func.hashtextextended("lotline:outbox-relay", 0)


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", PgUUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("envelope", JSONB, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


_metadata = sa.MetaData()
OUTBOX = outbox_table(_metadata)

# The statements every published event goes through (``shared.hot_sql``).
_INSERT = HotStatement(
    OUTBOX.insert().inline().values(bound("event_id", "topic", "key", "event_type", "envelope"))
)
_TAKE_RELAY_LOCK = HotStatement(sa.select(sa.func.pg_advisory_xact_lock(RELAY_LOCK)))
_OLDEST = HotStatement(
    sa.select(OUTBOX.c.id, OUTBOX.c.topic, OUTBOX.c.key, OUTBOX.c.envelope)
    .order_by(OUTBOX.c.id)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_DELETE = HotStatement(OUTBOX.delete().where(any_of(OUTBOX.c.id, "ids")))


async def add(
    conn: AsyncConnection,
    events: Iterable[Event],
    *,
    correlation_id: UUID | None = None,
    causation_id: UUID | None = None,
) -> list[Envelope]:
    """Stage ``events`` for publication inside the caller's open transaction.

    Without an explicit ``correlation_id``, the events carry the one of the event or
    request being handled (bound in ``shared.observability.correlation``), so a flow keeps
    one id across services."""
    events = list(events)
    correlation_id = correlation_id or current_correlation_id()
    derived = derived_ids.ids_for(conn, causation_id, len(events))
    ids: list[UUID | None] = list(derived) if derived is not None else [None] * len(events)
    envelopes = [
        Envelope.wrap(
            event, correlation_id=correlation_id, causation_id=causation_id, event_id=event_id
        )
        for event, event_id in zip(events, ids, strict=True)
    ]
    if not envelopes:
        return []
    by_type = {type(event).TYPE: type(event).TOPIC for event in events}
    rows = [
        {
            "event_id": env.event_id,
            "topic": by_type[env.event_type],
            "key": env.key,
            "event_type": env.event_type,
            "envelope": env.model_dump(mode="json"),
        }
        for env in envelopes
    ]
    together: list[dict[str, Any]] | None = conn.info.get(_TOGETHER)
    if together is not None:
        together.extend(rows)
    else:
        await _INSERT.execute_many(conn, rows)
    wakeups.mark(conn, WAKE)  # the relay publishes them as soon as they are committed
    return envelopes


@contextlib.asynccontextmanager
async def written_together(conn: AsyncConnection) -> AsyncIterator[None]:
    """Within: what ``add`` stages is kept and written in one statement at the end, in the
    order it was added (so in id order), instead of one statement per call: a batch of
    consumed events publishing a few events each costs one round trip, not one each. An
    exception inside writes nothing (its transaction rolls back anyway)."""
    rows: list[dict[str, Any]] = []
    conn.info[_TOGETHER] = rows
    try:
        yield
        if rows:
            await _INSERT.execute_many(conn, rows)
    finally:
        conn.info.pop(_TOGETHER, None)  # the pooled connection outlives the transaction


async def pending_count(engine: AsyncEngine) -> int:
    """Events staged and not yet published (every row: published ones are deleted)."""
    async with engine.connect() as conn:
        count = await conn.scalar(sa.select(sa.func.count()).select_from(OUTBOX))
    return int(count or 0)


def stored_headers(envelope: dict[str, Any]) -> dict[str, str]:
    """``Envelope.headers`` of an envelope as ``add`` stored it (its JSON form)."""
    return {
        "event_id": str(envelope["event_id"]),
        "event_type": str(envelope["event_type"]),
        "event_version": str(envelope["event_version"]),
    }


class OutboxRelay(PollingWorker):
    """Publishes the outbox in id order, woken in-process after each commit that staged
    events (``shared.wakeups``); ``poll_interval`` is only the fallback for rows staged by
    another process.

    Each aggregate's events stay in order: rows are taken in id order and deleted only
    after Kafka acknowledged every message of the batch (acks=all, idempotent producer), in
    the same transaction: a failed batch rolls back and is taken again, from its first row.
    With several instances of a service, one relay at a time publishes (``RELAY_LOCK``):
    two taking disjoint batches side by side could publish a later event of an aggregate
    before an earlier one. The other waits for the lock and then takes what is left.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        broker: KafkaBroker,
        *,
        topic_name: Callable[[str], str],
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        super().__init__(name="outbox relay", batch_size=batch_size, interval=poll_interval)
        self._engine = engine
        self._broker = broker
        self._topic_name = topic_name
        wakeups.wake_after_commit(engine, WAKE, self.wake)

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many events were published."""
        async with self._engine.begin() as conn:
            await _TAKE_RELAY_LOCK.execute(conn)
            rows = await _OLDEST.fetch(conn, limit=self._batch_size)
            if not rows:
                return 0
            deliveries = []
            for row in rows:
                # The row holds the envelope ``add`` validated and dumped: it is sent as
                # stored, without building the model again to dump it once more.
                envelope = row.envelope
                deliveries.append(
                    await self._broker.publish(
                        orjson.dumps(envelope),
                        self._topic_name(row.topic),
                        key=row.key.encode(),
                        headers=stored_headers(envelope),
                        correlation_id=envelope.get("correlation_id") or envelope["event_id"],
                        no_confirm=True,
                    )
                )
            await asyncio.gather(*deliveries)
            await _DELETE.execute(conn, ids=[row.id for row in rows])
        return len(rows)

    async def step(self) -> int:
        return await self.publish_pending()
