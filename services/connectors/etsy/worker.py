"""The Etsy poll worker: polls every connected shop each ``poll_interval_seconds``, and a
shop at once when its ``order.paid`` webhook arrives."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.port import AdminError
from services.connectors.config import WriteBackSettings
from services.connectors.etsy import poller, repository
from services.connectors.etsy.budget import etsy_api
from services.connectors.etsy.config import EtsySettings
from services.connectors.http_worker import HttpPollingWorker
from services.connectors.run_locks import one_at_a_time

log = logging.getLogger(__name__)


class EtsyPollWorker(HttpPollingWorker):
    def __init__(
        self, engine: AsyncEngine, settings: EtsySettings, retries: WriteBackSettings
    ) -> None:
        super().__init__(
            name="Etsy poll worker",
            batch_size=1,
            interval=settings.poll_interval_seconds,
            http_timeout=15.0,
        )
        self._engine = engine
        self._settings = settings
        self._retries = retries
        self._requested: set[str] = set()

    def poll_soon(self, shop_id: str) -> None:
        """Poll this shop now (the webhook's job); the others keep their schedule."""
        self._requested.add(shop_id)
        self.wake()

    def enabled(self) -> bool:
        return self._settings.configured

    async def step(self) -> int:
        """Poll the shops asked for, or every connected shop when none was; returns 0 so
        the loop then waits for the next wake-up or interval."""
        if self._requested:
            shop_ids, self._requested = sorted(self._requested), set()
        else:
            async with self._engine.connect() as conn:
                shop_ids = [r.shop_id for r in await repository.connected_shops(conn)]
        api = etsy_api(self._engine, self.http, self._settings)
        for shop_id in shop_ids:
            if self.stopping:
                break
            async with one_at_a_time(self._engine, f"etsy-poll:{shop_id}", wait=False) as mine:
                if not mine:
                    continue  # another instance is polling this shop now
                try:
                    result = await poller.poll_shop(
                        self._engine, api, shop_id, settings=self._settings, retries=self._retries
                    )
                    log.info("Etsy shop %s polled: %s", shop_id, result)
                except AdminError as error:
                    log.error("Etsy shop %s poll failed: %s", shop_id, error)
        return 0
