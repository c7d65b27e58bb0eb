"""Reconciliation: a missed webhook must never mean a missed order.

Each run lists every order (any status) modified after the store's watermark less an
overlap window — ``GET /wp-json/wc/v3/orders?modified_after=…&orderby=modified&order=asc``,
``per_page`` at a time, page after page until ``X-WP-TotalPages`` — and feeds each through
``intake.apply_order``, the very path webhooks take: an order already seen changes nothing,
a missed one is created or cancelled as its webhook would have done. Each page is retried
(429, 5xx, network) with the shared backoff. The watermark moves to the newest
``date_modified_gmt`` seen only after every page was applied; a run that fails leaves it
where it was and records the reason, and the next run covers the gap. One run per store at
a time across every instance (``run_locks``).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.port import AdminError
from services.connectors.config import WriteBackSettings
from services.connectors.http_worker import HttpPollingWorker
from services.connectors.retrying import with_retries
from services.connectors.run_locks import one_at_a_time
from services.connectors.woocommerce import intake, orders, repository
from services.connectors.woocommerce.client import OrdersPage, WooApi
from services.connectors.woocommerce.config import WooCommerceSettings
from services.connectors.woocommerce.lifecycle import Action

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSummary:
    shop: str
    since: datetime
    pages: int
    orders_seen: int
    published: int
    cancelled: int
    error: str | None = None


def since(
    watermark: datetime | None, created_at: datetime, settings: WooCommerceSettings
) -> datetime:
    start = watermark or created_at - timedelta(seconds=settings.first_lookback_seconds)
    return start - timedelta(seconds=settings.overlap_seconds)


def api_for(http: httpx.AsyncClient, store: Any) -> WooApi:
    return WooApi(http, str(store.base_url), str(store.consumer_key), str(store.consumer_secret))


def lock_name(shop: str) -> str:
    return f"woocommerce-reconcile:{shop}"


async def _apply_page(engine: AsyncEngine, shop: str, page: OrdersPage) -> tuple[int, int]:
    """Each order in its own transaction; an unreadable one is logged, never fatal."""
    published = cancelled = 0
    for order in page.orders:
        try:
            async with engine.begin() as conn:
                decision = await intake.apply_order(conn, shop, order, source="reconciliation")
        except orders.InvalidWooOrder as error:
            log.error("WooCommerce store %s: unreadable order skipped: %s", shop, error)
            continue
        published += decision.action is Action.PUBLISH
        cancelled += decision.action is Action.CANCEL
    return published, cancelled


def _newest(page: OrdersPage, newest: datetime | None) -> datetime | None:
    for order in page.orders:
        try:
            stamp = orders.head(order).modified_at
        except orders.InvalidWooOrder:
            continue
        newest = stamp if newest is None or stamp > newest else newest
    return newest


async def reconcile_store(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    shop: str,
    settings: WooCommerceSettings,
    retries: WriteBackSettings,
) -> RunSummary:
    """One run for one store (the caller holds its run lock)."""
    async with engine.connect() as conn:
        store = await repository.store(conn, shop)
    if store is None:
        raise AdminError(f"unknown WooCommerce store {shop}")
    api = api_for(http, store)
    start = since(store.watermark, store.created_at, settings)

    async def failed(problem: AdminError) -> None:
        log.warning("reconciliation of WooCommerce store %s: %s", shop, problem)

    pages = seen = published = cancelled = 0
    newest: datetime | None = None
    error: str | None = None
    page_number, total_pages = 1, 1
    try:
        while page_number <= total_pages:
            read = functools.partial(
                api.orders_page, start, page=page_number, per_page=settings.page_size
            )
            page = await with_retries(read, retries, on_failure=failed)
            pages, seen = pages + 1, seen + len(page.orders)
            done = await _apply_page(engine, shop, page)
            published, cancelled = published + done[0], cancelled + done[1]
            newest = _newest(page, newest)
            total_pages = page.total_pages
            page_number += 1
    except AdminError as problem:
        error = str(problem)
        log.error("reconciliation of WooCommerce store %s failed: %s", shop, error)
    async with engine.begin() as conn:
        await repository.record_run(conn, shop, watermark=None if error else newest, error=error)
    return RunSummary(shop, start, pages, seen, published, cancelled, error)


class WooReconciliationWorker(HttpPollingWorker):
    """Reconciles every store each ``reconcile_interval_seconds``; a store another instance
    is reconciling is skipped."""

    def __init__(
        self, engine: AsyncEngine, settings: WooCommerceSettings, retries: WriteBackSettings
    ) -> None:
        super().__init__(
            name="WooCommerce reconciliation",
            batch_size=1,
            interval=settings.reconcile_interval_seconds,
            http_timeout=settings.http_timeout_seconds,
        )
        self._engine = engine
        self._settings = settings
        self._retries = retries

    async def step(self) -> int:
        async with self._engine.connect() as conn:
            shops = [r.domain for r in await repository.stores(conn)]
        for shop in shops:
            if self.stopping:
                break
            async with one_at_a_time(self._engine, lock_name(shop), wait=False) as mine:
                if not mine:
                    continue
                try:
                    summary = await reconcile_store(
                        self._engine, self.http, shop, self._settings, self._retries
                    )
                    log.info("WooCommerce store %s reconciled: %s", shop, summary)
                except AdminError as error:
                    log.error("WooCommerce store %s: %s", shop, error)
        return 0
