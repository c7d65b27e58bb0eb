"""Processes the inbox of Shopify webhooks: pending deliveries are applied in the same
transaction that marks them done, so a crash in between leaves them pending (and applying
one again is harmless: ``order_sync`` is idempotent). A batch at a time
(``delivery_batch``); when the batch's transaction fails, each of its deliveries is applied
alone (``process_one``), so one that breaks the database's rules fails by itself. A
delivery that keeps failing goes dead after ``inbox_max_attempts`` tries; an operator lists
and replays it."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors.config import ShopifySyncSettings
from services.connectors.shopify import delivery_batch, order_sync
from services.connectors.shopify import sync_repository as repo
from services.connectors.shopify.orders import InvalidShopifyOrder
from shared import retrying
from shared.messaging import is_transient
from shared.polling import PollingWorker, seconds_until

log = logging.getLogger(__name__)


async def _record_failure(
    conn: AsyncConnection, row: Any, error: Exception, settings: ShopifySyncSettings
) -> None:
    """Another failed try: pending again after a growing pause, or dead after the last."""
    dead = row.attempts + 1 >= settings.inbox_max_attempts
    level = logging.ERROR if dead else logging.WARNING
    log.log(level, "webhook %s failed (dead=%s): %s", row.webhook_id, dead, error)
    expected = isinstance(error, InvalidShopifyOrder | order_sync.OrderNotSeenYet)
    reason = str(error) if expected else f"unexpected error: {error!r}"
    # the first retry waits twice the inbox interval, each next one twice as long
    retry_in = retrying.doubling(row.attempts + 1, 2 * settings.inbox_poll_interval_seconds)
    await repo.fail_delivery(conn, row.webhook_id, error=reason, dead=dead, retry_in=retry_in)


async def process_one(engine: AsyncEngine, settings: ShopifySyncSettings) -> bool:
    """Apply the oldest due delivery alone; False when none is due."""
    async with engine.begin() as conn:
        row = await repo.claim_delivery(conn)
        if row is None:
            return False
        try:
            async with conn.begin_nested():
                outcome = await delivery_batch.apply_one(conn, row)
        except Exception as error:
            if is_transient(error):
                raise  # the database is away: the row stays pending
            await _record_failure(conn, row, error, settings)
            return True
        await repo.finish_delivery(
            conn, row.webhook_id, outcome=outcome, external_id=row.external_id
        )
    return True


async def process_batch(engine: AsyncEngine, settings: ShopifySyncSettings) -> int:
    """Apply up to ``inbox_batch_size`` due deliveries in one transaction; how many were
    taken. When that transaction fails, as many are applied one at a time instead."""
    claimed = 0
    try:
        async with engine.begin() as conn:
            rows = await repo.claim_deliveries(conn, limit=settings.inbox_batch_size)
            claimed = len(rows)
            applied = await delivery_batch.apply(conn, rows)
            await repo.finish_deliveries(conn, applied.finished)
            for row, error in applied.failed:
                await _record_failure(conn, row, error, settings)
    except Exception as error:
        if is_transient(error) or not claimed:
            raise
        log.warning("a batch of %d webhooks failed (%r); applying each alone", claimed, error)
        done = 0
        while done < claimed and await process_one(engine, settings):
            done += 1
        return done
    return claimed


class DeliveryWorker(PollingWorker):
    """One task in the connectors process, woken by each accepted webhook. A batch cut
    off by ``stop()`` rolls back and stays pending."""

    def __init__(self, engine: AsyncEngine, settings: ShopifySyncSettings) -> None:
        super().__init__(
            name="shopify delivery worker",
            batch_size=settings.inbox_batch_size,
            interval=settings.inbox_fallback_seconds,
        )
        self._engine = engine
        self._settings = settings

    async def step(self) -> int:
        return await process_batch(self._engine, self._settings)

    async def next_turn_in(self) -> float | None:
        """When a webhook accepted during the turn woke the worker, the next turn runs at
        once whatever is due: no query (under load, one per turn)."""
        if self.woken:
            return None
        return seconds_until(*await repo.soonest_due(self._engine))
