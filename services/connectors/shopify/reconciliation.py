"""Reconciliation: a missed webhook must never mean a missed order.

Each run asks Shopify for every order (any status) updated since the shop's watermark less
an overlap window, page by page, and feeds each one through ``order_sync.apply_order`` —
the very path webhooks take, so an order already seen changes nothing and a missed one is
created, edited or cancelled as its webhook would have done. The watermark moves to the
run's start only after every page was applied; a run that fails (out of retries, or
refused) leaves it where it was, marks the shop's reconciliation ``dead`` with the reason,
and the next run (scheduled, or ``POST /api/shops/{domain}/reconcile``) covers the gap.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository
from services.connectors import tables as t
from services.connectors.channels.port import AdminError
from services.connectors.config import ShopifySyncSettings
from services.connectors.http_worker import HttpPollingWorker
from services.connectors.retrying import with_retries
from services.connectors.run_locks import one_at_a_time
from services.connectors.service import ConnectorError
from services.connectors.shopify import order_sync
from services.connectors.shopify import sync_repository as repo
from services.connectors.shopify.admin import default_admin_url
from services.connectors.shopify.order_state import Verdict
from services.connectors.shopify.orders import CHANNEL, InvalidShopifyOrder
from services.connectors.shopify.rest_orders import OrdersPage, ShopifyOrdersRest, orders_url

log = logging.getLogger(__name__)


class CannotReconcile(ConnectorError):
    """The shop is unknown, uninstalled or has no Admin API token."""


class ShopToReconcileNotFound(CannotReconcile):
    """No such shop: answered 404 before anything else is read or called."""


@dataclass(frozen=True)
class RunSummary:
    shop: str
    since: datetime
    orders_seen: int
    orders_applied: int  # created, edited or cancelled by this run
    pages: int
    error: str | None = None


def since(
    watermark: datetime | None, created_at: datetime, settings: ShopifySyncSettings
) -> datetime:
    """Where a run starts reading: the watermark (or the shop's registration less the first
    lookback) less the overlap, so orders updated while the last run was reading count."""
    start = watermark or created_at - timedelta(seconds=settings.first_lookback_seconds)
    return start - timedelta(seconds=settings.overlap_seconds)


async def _client(engine: AsyncEngine, http: httpx.AsyncClient, shop: str) -> tuple[Any, Any]:
    async with engine.connect() as conn:
        row = await repository.shop(conn, shop)
        state = await repo.reconciliation(conn, shop)
    if row is None:
        raise ShopToReconcileNotFound(f"unknown shop {shop}")
    if row.uninstalled_at is not None:
        raise CannotReconcile(f"shop {shop} uninstalled the app")
    if not row.access_token:
        raise CannotReconcile(f"shop {shop} has no Admin API access token")
    url = orders_url(row.admin_api_url or default_admin_url(shop))
    return ShopifyOrdersRest(http, url, row.access_token), (row, state)


async def _keep_unreadable(
    engine: AsyncEngine, shop: str, order: Any, error: InvalidShopifyOrder
) -> None:
    """Never dropped: an order the listing returns but we cannot read is kept as a dead
    delivery with its body, listed and replayable like a dead webhook (once per picture)."""
    body = json.dumps(order, separators=(",", ":")).encode()
    external_id = order.get("id") if isinstance(order, dict) else None
    async with engine.begin() as conn:
        await repo.insert_delivery(
            conn,
            webhook_id=f"reconcile:{hashlib.sha256(body).hexdigest()[:32]}",
            shop_domain=shop,
            topic="orders/updated",
            external_id=str(external_id) if isinstance(external_id, int) else None,
            body=body,
            status="dead",
            outcome="unreadable",
            last_error=str(error),
        )
    log.error("reconciliation of %s kept an unreadable order as a dead delivery: %s", shop, error)


async def _apply_page(engine: AsyncEngine, shop: str, page: OrdersPage) -> int:
    """Each order in its own transaction; a malformed one is logged, not fatal."""
    applied = 0
    for order in page.orders:
        try:
            async with engine.begin() as conn:
                verdict = await order_sync.apply_order(conn, shop, order, source="reconciliation")
        except InvalidShopifyOrder as error:
            await _keep_unreadable(engine, shop, order, error)
            continue
        if verdict in (Verdict.NEW, Verdict.NEW_CANCELLED, Verdict.CANCELLED, Verdict.EDITED):
            applied += 1
    return applied


async def reconcile_shop(
    engine: AsyncEngine, http: httpx.AsyncClient, shop: str, settings: ShopifySyncSettings
) -> RunSummary:
    """One run for one shop; the outcome is also recorded on the shop's reconciliation row."""
    client, (row, state) = await _client(engine, http, shop)
    started = datetime.now(UTC)
    start = since(state.watermark if state else None, row.created_at, settings)
    seen = applied = pages = 0
    error: str | None = None

    async def failed(problem: AdminError) -> None:
        log.warning("reconciliation of %s: %s", shop, problem)

    url, params = client.first_page(start, limit=settings.page_size)
    next_url: str | None = url
    try:
        while next_url is not None:
            page = await with_retries(
                functools.partial(client.page, next_url, params), settings.retry, on_failure=failed
            )
            pages, seen = pages + 1, seen + len(page.orders)
            applied += await _apply_page(engine, shop, page)
            next_url, params = page.next_url, None
    except AdminError as problem:
        error = str(problem)
        log.error("reconciliation of %s is dead until the next run: %s", shop, error)
    async with engine.begin() as conn:
        await repo.record_reconciliation(
            conn, shop, succeeded_until=started, error=error, seen=seen, applied=applied
        )
    return RunSummary(shop, start, seen, applied, pages, error)


async def reconcilable_shops(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.shop.c.domain).where(
                t.shop.c.channel == CHANNEL,
                t.shop.c.uninstalled_at.is_(None),
                t.shop.c.access_token.is_not(None),
            )
        )
        return [r.domain for r in rows]


class ReconciliationWorker(HttpPollingWorker):
    """Runs every shop's reconciliation each ``reconcile_interval_seconds``. A run cut off
    by ``stop()`` moves no watermark, so the next run reads the same orders again. A shop
    another instance is reconciling is skipped (``run_locks``): one run per shop at a time."""

    def __init__(self, engine: AsyncEngine, settings: ShopifySyncSettings) -> None:
        super().__init__(
            name="shopify reconciliation",
            batch_size=1,
            interval=settings.reconcile_interval_seconds,
            http_timeout=settings.retry.http_timeout_seconds,
        )
        self._engine = engine
        self._settings = settings

    async def step(self) -> int:
        for shop in await reconcilable_shops(self._engine):
            if self.stopping:
                break
            async with one_at_a_time(self._engine, f"reconcile:{shop}", wait=False) as mine:
                if not mine:
                    continue  # another instance is reconciling this shop now
                with contextlib.suppress(CannotReconcile):
                    await reconcile_shop(self._engine, self.http, shop, self._settings)
        return 0
