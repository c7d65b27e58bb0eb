"""The stock push worker: one task in the connectors process that pushes due quantities
and reconciles the shops' levels, on the shared polling loop."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.registry import Channels
from services.connectors.config import StockPushSettings, WriteBackSettings
from services.connectors.http_worker import HttpPollingWorker
from services.connectors.stock_push import shop_levels


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
