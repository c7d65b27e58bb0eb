"""The stock push worker: one task in the connectors process that pushes due quantities
and reconciles the shops' levels, on the shared polling loop."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import stock_push
from services.connectors.config import StockPushSettings, WriteBackSettings
from shared.polling import poll_forever


class StockPushWorker:
    """Rows are leased in the database, so two processes never push the same row at once."""

    def __init__(
        self, engine: AsyncEngine, settings: StockPushSettings, retries: WriteBackSettings
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._retries = retries
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None

    async def run(self, http: httpx.AsyncClient) -> None:
        await poll_forever(
            lambda: stock_push.run_once(
                self._engine, http, settings=self._settings, retries=self._retries
            ),
            wake=self._wake,
            batch_size=self._settings.batch_size,
            interval=self._settings.poll_interval_seconds,
            name="stock push worker",
            keep_going=lambda: not self._stopping,
        )

    def start(self) -> None:
        if not self._settings.enabled:
            return
        self._stopping = False
        self._http = httpx.AsyncClient(timeout=self._retries.http_timeout_seconds)
        self._task = asyncio.create_task(self.run(self._http), name="stock-push-worker")

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
