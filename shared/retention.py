"""Storage that stays bounded: rows kept only to recognise a duplicate (the inbox of
consumed event ids, connectors' done webhook deliveries) are deleted once no duplicate can
arrive any more (``RetentionSettings.inbox_days``).

The rule of what is old enough is plain (``cutoff``, ``expired``); ``prune_batch`` deletes
one bounded batch under a transaction-scoped advisory lock, so two instances of a service
never prune the same table at once and no delete holds its locks for long;
``RetentionWorker`` runs it on a slow interval.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.inbox import INBOX
from shared.polling import PollingWorker

LOCK_PREFIX = "lotline.prune."


def cutoff(now: datetime, window_days: float) -> datetime:
    """Rows recorded before this instant are past the window."""
    return now - timedelta(days=window_days)


def expired(recorded_at: datetime, *, now: datetime, window_days: float) -> bool:
    """True when a row recorded at ``recorded_at`` can no longer meet a duplicate."""
    return recorded_at < cutoff(now, window_days)


@dataclass(frozen=True)
class Prune:
    """The rows of ``table`` that only serve deduplication: keyed by ``key``, dated by
    ``recorded_at``, and (``where``) only those in a final state."""

    name: str
    table: sa.Table
    key: tuple[sa.Column[object], ...]
    recorded_at: sa.Column[datetime]
    where: tuple[sa.ColumnElement[bool], ...] = field(default=())


def inbox_prune() -> Prune:
    """Consumed event ids (``shared.inbox``): a redelivery past the window cannot happen."""
    return Prune("inbox", INBOX, (INBOX.c.consumer, INBOX.c.event_id), INBOX.c.processed_at)


async def prune_batch(engine: AsyncEngine, prune: Prune, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` rows of ``prune`` recorded before ``before``, oldest first;
    how many went. -1 when another instance holds this table's prune lock (it is pruning
    now; this one leaves it be). The lock ends with the transaction: nothing to clean up."""
    lock = sa.func.pg_try_advisory_xact_lock(sa.func.hashtextextended(LOCK_PREFIX + prune.name, 0))
    victims = (
        sa.select(*prune.key)
        .where(prune.recorded_at < before, *prune.where)
        .order_by(prune.recorded_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    async with engine.begin() as conn:
        if not await conn.scalar(sa.select(lock)):
            return -1
        result = await conn.execute(prune.table.delete().where(sa.tuple_(*prune.key).in_(victims)))
    return int(result.rowcount or 0)


def _now() -> datetime:
    return datetime.now(UTC)


class RetentionWorker(PollingWorker):
    """Prunes every registered table a batch at a time: a full batch goes again at once,
    else it sleeps ``interval`` (hourly by default; nothing wakes it)."""

    def __init__(
        self,
        engine: AsyncEngine,
        prunes: Iterable[Prune] = (),
        *,
        window_days: float,
        batch_size: int,
        interval: float,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        super().__init__(name="retention prune", batch_size=batch_size, interval=interval)
        self._engine = engine
        self.prunes = list(prunes)
        self._window_days = window_days
        self._clock = clock

    def add(self, prune: Prune) -> None:
        self.prunes.append(prune)

    async def step(self) -> int:
        before = cutoff(self._clock(), self._window_days)
        most = 0
        for prune in self.prunes:
            done = await prune_batch(self._engine, prune, before=before, limit=self._batch_size)
            most = max(most, done)
        return most
