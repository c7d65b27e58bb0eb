"""The write-back worker: one task in the connectors process, woken when a write-back is
staged or replayed, and polling anyway (a wake-up from another process is never seen)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import write_back
from services.connectors.config import WriteBackSettings
from services.connectors.etsy.config import EtsySettings
from shared.polling import poll_forever

log = logging.getLogger(__name__)


class WriteBackWorker:
    """Performs pending write-backs one after another. Rows are leased in the database, so
    a second process would not take the same row, and a crashed one's lease runs out."""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: WriteBackSettings,
        *,
        grace_seconds: float = 5.0,
        etsy: EtsySettings | None = None,
    ) -> None:
        self._engine = engine
        self._etsy = etsy
        self._settings = settings
        self._grace_seconds = grace_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self, http: httpx.AsyncClient) -> int:
        """Perform up to one batch of pending write-backs; how many were performed."""
        performed = 0
        while (
            not self._stopping
            and performed < self._settings.batch_size
            and await write_back.perform(self._engine, http, self._settings, etsy=self._etsy)
        ):
            performed += 1
        return performed

    async def run(self, http: httpx.AsyncClient) -> None:
        await poll_forever(
            lambda: self.run_once(http),
            wake=self._wake,
            batch_size=self._settings.batch_size,
            interval=self._settings.poll_interval_seconds,
            name="write-back worker",
            keep_going=lambda: not self._stopping,
        )

    def start(self) -> None:
        self._stopping = False
        self._http = httpx.AsyncClient(timeout=self._settings.http_timeout_seconds)
        self._task = asyncio.create_task(self.run(self._http), name="write-back-worker")

    async def stop(self) -> None:
        """Let the write-back in hand finish (a task cancelled in the middle of a database
        call can leave its pooled connection unusable); past the grace period it is cut off,
        stays pending, and is retried once its lease runs out."""
        if self._task is not None:
            self._stopping = True
            self.wake()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout=self._grace_seconds)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
