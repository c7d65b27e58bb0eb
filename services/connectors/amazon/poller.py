"""Polling ``getOrders`` by last update, from a stored watermark: the Orders API is the
source of truth.

Each poll asks for orders updated after ``watermark - overlap`` (every status), page by
page (``NextToken``), and records each order in one transaction of its own — the order
row's primary key, its row lock and its ``LastUpdateDate`` make a re-poll publish nothing
twice, and an answer older than the one recorded is ignored. An order's items
(``getOrderItems``) are read only when it is about to be published. The watermark moves to
the newest ``LastUpdateDate`` seen once every page was read, so a poll that fails half-way is
simply repeated; the overlap catches orders that shifted between pages while we read.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors import repository as connectors_repository
from services.connectors.amazon import orders, repository, tokens
from services.connectors.amazon.client import OrdersPage, Seller, SpApi
from services.connectors.amazon.config import AmazonSettings
from services.connectors.amazon.lifecycle import (
    Outcome,
    cancels,
    needs_items,
    next_outcome,
    publishes,
)
from services.connectors.channels.port import AdminError
from services.connectors.config import WriteBackSettings
from services.connectors.retrying import with_retries
from shared import outbox
from shared.contracts.connectors import ChannelOrderCancelled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollResult:
    pages: int
    orders: int
    published: int
    cancelled: int
    watermark: datetime | None


def since(watermark: datetime | None, *, overlap: int, lookback: int, now: datetime) -> datetime:
    """Where a poll starts: the watermark less the overlap, or ``lookback`` ago at first."""
    if watermark is None:
        return now - timedelta(seconds=lookback)
    return watermark - timedelta(seconds=overlap)


def is_older(seen: datetime, recorded: datetime) -> bool:
    """An answer about an older state than the one recorded: ignored."""
    return seen < recorded


def is_stale(head: orders.OrderHead, row: Any) -> bool:
    """The recorded row is newer than this answer. An unreadable row's date is ours (the
    time it was kept), not Amazon's, so it never makes a readable answer stale."""
    return (
        row is not None
        and row.outcome != Outcome.UNREADABLE
        and is_older(head.last_update_date, row.last_update_date)
    )


async def _record(
    conn: AsyncConnection,
    seller: Any,
    head: orders.OrderHead,
    raw: Any,
    items: list[Any] | None,
    mappings: dict[str, str],
) -> tuple[bool, bool]:
    """Record one order; (published now, cancellation mirrored now)."""
    row = await repository.order(conn, seller.seller_id, head.amazon_order_id)
    if is_stale(head, row):
        return False, False
    known = Outcome(row.outcome) if row is not None else None
    reason = orders.buyer_cancel_reason(items) if items is not None else None
    if items is None and needs_items(head, known):
        raise AdminError(f"order {head.amazon_order_id}: items needed but not read")
    now = next_outcome(head, known, cancel_requested=reason is not None)
    total = (head.total.amount, head.total.currency) if head.total is not None else None
    await repository.save_order(
        conn,
        seller_id=seller.seller_id,
        order_id=head.amazon_order_id,
        status=head.status.value,
        fulfillment_channel=head.fulfillment_channel.value,
        marketplace_id=head.marketplace_id,
        last_update_date=head.last_update_date,
        total=total,
        outcome=now.value,
        buyer_cancel_reason=reason
        if items is not None
        else (row.buyer_cancel_reason if row else None),
    )
    if cancels(known, now):
        await outbox.add(conn, [_cancellation(seller, head)])
        return False, True
    if publishes(known, now):
        assert items is not None
        order = orders.to_inbound_order(raw, items, shop=seller.domain, item_for=mappings.get)
        await outbox.add(conn, [order])
        return True, False
    return False, False


def _cancellation(seller: Any, head: orders.OrderHead) -> ChannelOrderCancelled:
    return ChannelOrderCancelled(
        channel=orders.CHANNEL,
        shop=seller.domain,
        external_id=head.amazon_order_id,
        cancelled_at=head.last_update_date,
        reason=f"Amazon order {head.status.value}",
    )


async def _keep_unreadable(engine: AsyncEngine, seller: Any, raw: Any, problem: str) -> None:
    """Never dropped: kept with the reason, read again when Amazon changes it. Without an
    order id there is nothing to keep it under: logged only."""
    log.error("Amazon seller %s: unreadable order: %s", seller.seller_id, problem)
    order_id = raw.get("AmazonOrderId") if isinstance(raw, dict) else None
    if not isinstance(order_id, str) or not order_id:
        return
    async with engine.begin() as conn:
        await repository.record_unreadable(
            conn, seller_id=seller.seller_id, order_id=order_id, problem=problem
        )


async def _failed(error: AdminError) -> None:
    log.warning("Amazon call failed: %s", error)


async def take_order(
    engine: AsyncEngine,
    seller: Any,
    raw: Any,
    mappings: dict[str, str],
    *,
    items_of: Callable[[str], Awaitable[list[Any]]],
    retries: WriteBackSettings,
) -> tuple[bool, bool, datetime | None]:
    """One order as Amazon answered it (a listing's, or ``getOrder``'s after a
    notification) through the one path: recorded in a transaction of its own, an older
    answer than the one recorded ignored. (published now, cancellation mirrored now, its
    ``LastUpdateDate``)."""
    try:
        head = orders.head(raw)
    except orders.InvalidAmazonOrder as error:
        await _keep_unreadable(engine, seller, raw, str(error))
        return False, False, None
    async with engine.connect() as conn:
        row = await repository.peek_order(conn, seller.seller_id, head.amazon_order_id)
    known = Outcome(row.outcome) if row is not None else None
    if is_stale(head, row):
        return False, False, head.last_update_date
    items = None
    if needs_items(head, known):
        items = await with_retries(
            partial(items_of, head.amazon_order_id), retries, on_failure=_failed
        )
    try:
        async with engine.begin() as conn:
            published, cancelled = await _record(conn, seller, head, raw, items, mappings)
    except orders.InvalidAmazonOrder as error:
        await _keep_unreadable(engine, seller, raw, str(error))
        return False, False, head.last_update_date
    return published, cancelled, head.last_update_date


async def poll_seller(
    engine: AsyncEngine,
    api: SpApi,
    seller_id: str,
    *,
    settings: AmazonSettings,
    retries: WriteBackSettings,
) -> PollResult:
    """Read every order updated since the watermark; raises AdminError when Amazon could
    not be read within the retry budget (the watermark then stays where it was)."""
    async with engine.connect() as conn:
        seller = await repository.seller(conn, seller_id)
    if seller is None:
        raise AdminError(f"unknown Amazon seller {seller_id}")
    where = Seller(seller_id=seller_id, endpoint=settings.endpoint(seller.region))

    start = since(
        seller.orders_watermark,
        overlap=settings.overlap_seconds,
        lookback=settings.first_poll_lookback_seconds,
        now=datetime.now(UTC),
    )

    async def read(next_token: str | None) -> OrdersPage:
        return await tokens.with_token(
            engine,
            api,
            seller_id,
            lambda token: api.get_orders(
                where,
                token,
                marketplace_ids=list(seller.marketplace_ids),
                last_updated_after=start,
                page_size=settings.page_size,
                next_token=next_token,
            ),
            margin_seconds=settings.refresh_margin_seconds,
        )

    async def items_of(order_id: str) -> list[Any]:
        return await tokens.with_token(
            engine,
            api,
            seller_id,
            lambda token: api.get_order_items(where, token, order_id),
            margin_seconds=settings.refresh_margin_seconds,
        )

    newest: datetime | None = seller.orders_watermark
    pages = seen = published = cancelled = 0
    next_token: str | None = None
    try:
        while True:
            page = await with_retries(partial(read, next_token), retries, on_failure=_failed)
            pages += 1
            async with engine.connect() as conn:
                mappings = await connectors_repository.sku_mappings(conn, seller.domain)
            for raw in page.orders:
                taken = await take_order(
                    engine, seller, raw, mappings, items_of=items_of, retries=retries
                )
                was_published, was_cancelled, updated = taken
                published += was_published
                cancelled += was_cancelled
                if updated is not None and (newest is None or updated > newest):
                    newest = updated
            seen += len(page.orders)
            next_token = page.next_token
            if next_token is None:
                break
    except AdminError as error:
        async with engine.begin() as conn:
            await repository.record_poll_error(conn, seller_id, str(error))
        raise
    async with engine.begin() as conn:
        await repository.finish_poll(conn, seller_id, watermark=newest)
    return PollResult(
        pages=pages, orders=seen, published=published, cancelled=cancelled, watermark=newest
    )
