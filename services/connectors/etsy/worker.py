"""The Etsy poll worker: polls every connected shop each ``poll_interval_seconds``, and a
shop at once when its ``order.paid`` webhook arrives."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.config import WriteBackSettings
from services.connectors.etsy import poller, repository
from services.connectors.etsy.budget import etsy_api
from services.connectors.etsy.config import EtsySettings
from services.connectors.shopify.admin import AdminError
from shared.polling import poll_forever

log = logging.getLogger(__name__)


class EtsyPollWorker:
    def __init__(
        self, engine: AsyncEngine, settings: EtsySettings, retries: WriteBackSettings
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._retries = retries
        self._wake = asyncio.Event()
        self._requested: set[str] = set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None

    def poll_soon(self, shop_id: str) -> None:
        """Poll this shop now (the webhook's job); the others keep their schedule."""
        self._requested.add(shop_id)
        self._wake.set()

    async def run_once(self, http: httpx.AsyncClient) -> int:
        """Poll the shops asked for, or every connected shop when none was; returns 0 so
        the loop then waits for the next wake-up or interval."""
        if self._requested:
            shop_ids, self._requested = sorted(self._requested), set()
        else:
            async with self._engine.connect() as conn:
                shop_ids = [r.shop_id for r in await repository.connected_shops(conn)]
        api = etsy_api(self._engine, http, self._settings)
        for shop_id in shop_ids:
            if self._stopping:
                break
            try:
                result = await poller.poll_shop(
                    self._engine, api, shop_id, settings=self._settings, retries=self._retries
                )
                log.info("Etsy shop %s polled: %s", shop_id, result)
            except AdminError as error:
                log.error("Etsy shop %s poll failed: %s", shop_id, error)
        return 0

    def start(self) -> None:
        if not self._settings.configured:
            log.info("Etsy app not configured: no polling")
            return
        self._stopping = False
        http = self._http = httpx.AsyncClient(timeout=15.0)
        self._task = asyncio.create_task(
            poll_forever(
                lambda: self.run_once(http),
                wake=self._wake,
                batch_size=1,
                interval=self._settings.poll_interval_seconds,
                name="Etsy poll worker",
                keep_going=lambda: not self._stopping,
            ),
            name="etsy-poll-worker",
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout=5.0)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
