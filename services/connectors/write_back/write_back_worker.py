"""The write-back worker: one task in the connectors process, woken when a write-back is
staged or replayed, sleeping until the next failed try may be retried, and polling on a
slow fallback (a wake-up from another process is never seen)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.registry import Channels
from services.connectors.config import WriteBackSettings
from services.connectors.http_worker import HttpPollingWorker
from services.connectors.write_back import repository, shipped_orders
from shared.polling import seconds_until

log = logging.getLogger(__name__)


class WriteBackWorker(HttpPollingWorker):
    """Performs pending write-backs one after another. Rows are leased in the database, so
    a second process would not take the same row, and a crashed one's lease runs out. A
    write-back cut off by ``stop()`` stays pending and is retried once its lease runs out."""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: WriteBackSettings,
        *,
        grace_seconds: float = 5.0,
        channels: Channels | None = None,
    ) -> None:
        super().__init__(
            name="write-back worker",
            batch_size=settings.batch_size,
            interval=settings.poll_interval_seconds,
            http_timeout=settings.http_timeout_seconds,
            grace_seconds=grace_seconds,
        )
        self._engine = engine
        self._channels = channels
        self._settings = settings

    async def step(self) -> int:
        """Perform up to one batch of pending write-backs; how many were performed."""
        performed = 0
        while (
            not self.stopping
            and performed < self._settings.batch_size
            and await shipped_orders.perform(
                self._engine, self.http, self._settings, channels=self._channels
            )
        ):
            performed += 1
        return performed

    async def next_turn_in(self) -> float | None:
        return seconds_until(*await repository.soonest_due(self._engine))
