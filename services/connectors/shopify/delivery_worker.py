"""Processes the inbox of Shopify webhooks: each pending delivery is applied in the same
transaction that marks it done, so a crash in between leaves it pending (and applying it
again is harmless: ``order_sync`` is idempotent). A delivery that keeps failing goes dead
after ``inbox_max_attempts`` tries; an operator lists and replays it."""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors.config import ShopifySyncSettings
from services.connectors.shopify import order_snapshot, order_sync
from services.connectors.shopify import sync_repository as repo
from services.connectors.shopify.deliveries import ORDER_TOPICS, REFUND_TOPIC
from services.connectors.shopify.orders import InvalidShopifyOrder
from shared.messaging import is_transient
from shared.polling import PollingWorker

log = logging.getLogger(__name__)


async def _apply(conn: AsyncConnection, row: Any) -> str:
    """The outcome recorded on the delivery."""
    topic, shop = str(row.topic), str(row.shop_domain)
    payload = json.loads(row.body)
    if topic in ORDER_TOPICS:
        verdict = await order_sync.apply_order(conn, shop, payload, source=f"webhook:{topic}")
        return verdict.value
    if topic == REFUND_TOPIC:
        refund = order_snapshot.read_refund(payload)
        published = await order_sync.apply_refund(conn, shop, refund, source="webhook")
        return "restocked" if published else "refund_recorded"
    return "ignored"


async def process_one(engine: AsyncEngine, settings: ShopifySyncSettings) -> bool:
    """Apply the oldest due delivery; False when none is due."""
    async with engine.begin() as conn:
        row = await repo.claim_delivery(conn)
        if row is None:
            return False
        try:
            async with conn.begin_nested():
                outcome = await _apply(conn, row)
        except Exception as error:
            if is_transient(error):
                raise  # the database is away: the row stays pending
            dead = row.attempts + 1 >= settings.inbox_max_attempts
            level = logging.ERROR if dead else logging.WARNING
            log.log(level, "webhook %s failed (dead=%s): %s", row.webhook_id, dead, error)
            expected = isinstance(error, InvalidShopifyOrder | order_sync.OrderNotSeenYet)
            reason = str(error) if expected else f"unexpected error: {error!r}"
            retry_in = settings.inbox_poll_interval_seconds * 2 ** (row.attempts + 1)
            await repo.fail_delivery(
                conn, row.webhook_id, error=reason, dead=dead, retry_in=retry_in
            )
            return True
        await repo.finish_delivery(
            conn, row.webhook_id, outcome=outcome, external_id=row.external_id
        )
    return True


class DeliveryWorker(PollingWorker):
    """One task in the connectors process, woken by each accepted webhook. A delivery cut
    off by ``stop()`` rolls back and stays pending."""

    def __init__(self, engine: AsyncEngine, settings: ShopifySyncSettings) -> None:
        super().__init__(
            name="shopify delivery worker",
            batch_size=settings.inbox_batch_size,
            interval=settings.inbox_poll_interval_seconds,
        )
        self._engine = engine
        self._settings = settings

    async def step(self) -> int:
        done = 0
        while done < self._settings.inbox_batch_size and await process_one(
            self._engine, self._settings
        ):
            done += 1
        return done
