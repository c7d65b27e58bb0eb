"""The stock push worker: one task in the connectors process that pushes due quantities
and reconciles the shops' levels, on the shared polling loop. It sleeps until the next row
is due (``shop_levels.next_due_in``), and a committed change of quantity wakes it (so a
debounce starts being timed at once); the interval is only a fallback for what another
process changed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.registry import Channels
from services.connectors.config import StockPushSettings, WriteBackSettings
from services.connectors.http_worker import HttpPollingWorker
from services.connectors.stock_push import shop_levels, stock_tracking
from shared import wakeups


class StockPushWorker(HttpPollingWorker):
    """Rows are leased in the database, so two processes never push the same row at once."""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: StockPushSettings,
        retries: WriteBackSettings,
        *,
        channels: Channels | None = None,
    ) -> None:
        super().__init__(
            name="stock push worker",
            batch_size=settings.batch_size,
            interval=settings.poll_interval_seconds,
            http_timeout=retries.http_timeout_seconds,
        )
        self._engine = engine
        self._settings = settings
        self._retries = retries
        self._channels = channels
        wakeups.wake_after_commit(engine, stock_tracking.WAKE, self.wake)

    def enabled(self) -> bool:
        return self._settings.enabled

    async def step(self) -> int:
        return await shop_levels.run_once(
            self._engine,
            self.http,
            settings=self._settings,
            retries=self._retries,
            channels=self._channels,
        )

    async def next_turn_in(self) -> float | None:
        return await shop_levels.next_due_in(self._engine, self._settings)
