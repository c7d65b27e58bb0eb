"""The Amazon workers: the poll worker polls every authorised seller each
``poll_interval_seconds``, one poll at a time per seller across every instance
(``run_locks``); the notification worker reads the SQS queue of ``ORDER_CHANGE``
notifications, when one is configured."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.amazon import order_changes, poller, repository
from services.connectors.amazon.client import SpApi
from services.connectors.amazon.config import AmazonSettings
from services.connectors.amazon.queue import SqsQueue
from services.connectors.amazon.ratelimit import process_limiter
from services.connectors.channels.port import AdminError
from services.connectors.config import WriteBackSettings
from services.connectors.http_worker import HttpPollingWorker
from services.connectors.run_locks import one_at_a_time

log = logging.getLogger(__name__)


def run_lock(seller_id: str) -> str:
    return f"amazon-poll:{seller_id}"


class AmazonPollWorker(HttpPollingWorker):
    def __init__(
        self, engine: AsyncEngine, settings: AmazonSettings, retries: WriteBackSettings
    ) -> None:
        super().__init__(
            name="Amazon poll worker",
            batch_size=1,
            interval=settings.poll_interval_seconds,
            http_timeout=15.0,
        )
        self._engine = engine
        self._settings = settings
        self._retries = retries

    def enabled(self) -> bool:
        return self._settings.enabled

    async def step(self) -> int:
        """Poll every authorised seller; returns 0 so the loop waits for the next turn."""
        async with self._engine.connect() as conn:
            seller_ids = [r.seller_id for r in await repository.connected_sellers(conn)]
        api = SpApi(self.http, self._settings, limiter=process_limiter())
        for seller_id in seller_ids:
            if self.stopping:
                break
            async with one_at_a_time(self._engine, run_lock(seller_id), wait=False) as mine:
                if not mine:
                    continue  # another instance is polling this seller now
                try:
                    result = await poller.poll_seller(
                        self._engine, api, seller_id, settings=self._settings, retries=self._retries
                    )
                    log.info("Amazon seller %s polled: %s", seller_id, result)
                except AdminError as error:
                    log.error("Amazon seller %s poll failed: %s", seller_id, error)
        return 0


class AmazonNotificationWorker(HttpPollingWorker):
    """Long-polls the notification queue; each ``ORDER_CHANGE`` makes its order be read
    again at once (``order_changes``). Runs only with a queue configured; the poll worker
    stays the reconciliation backstop either way."""

    def __init__(
        self, engine: AsyncEngine, settings: AmazonSettings, retries: WriteBackSettings
    ) -> None:
        queue = settings.notifications
        super().__init__(
            name="Amazon notification worker",
            batch_size=queue.max_messages,
            # the long poll is the wait: the next receive follows at once
            interval=0.0,
            http_timeout=15.0,
            # stopping cancels a long poll in flight after the usual grace: harmless, what
            # it received (and never handled) is visible again after the visibility timeout
        )
        self._engine = engine
        self._settings = settings
        self._retries = retries
        self._queue: SqsQueue | None = None

    def enabled(self) -> bool:
        return self._settings.enabled and bool(self._settings.notifications.queue_url)

    async def step(self) -> int:
        if self._queue is None:
            self._queue = SqsQueue(self._settings.notifications)
        messages = await self._queue.receive()
        if not messages:
            return 0
        api = SpApi(self.http, self._settings, limiter=process_limiter())
        handled = await order_changes.handle(
            self._engine, api, messages, settings=self._settings, retries=self._retries
        )
        failed = await self._queue.delete(handled.delete)
        if failed:
            log.warning("SQS did not delete %d messages; they will come back", len(failed))
        log.info(
            "Amazon notifications: %d messages, %d orders read again (%d published, "
            "%d cancelled), %d deleted",
            len(messages),
            handled.orders,
            handled.published,
            handled.cancelled,
            len(handled.delete) - len(failed),
        )
        return len(messages)

    async def close(self) -> None:
        if self._queue is not None:
            await self._queue.close()
            self._queue = None
        await super().close()
