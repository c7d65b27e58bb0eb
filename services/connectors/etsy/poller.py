"""Polling ``getShopReceipts`` by last modification, from a stored watermark.

Each poll asks for receipts modified since ``watermark - overlap`` (every status), page by
page (``limit``/``offset``, oldest modification first), and records each receipt with its
order event in one transaction — the receipt row's primary key and conditional updates make
a re-poll, or two polls at once, publish nothing twice. The watermark moves to the newest
modification seen only once every page was read, so a poll that fails half-way is simply
repeated; the overlap catches receipts that shifted between pages while we read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors import repository as connectors_repository
from services.connectors.channels.port import AdminError
from services.connectors.config import WriteBackSettings
from services.connectors.etsy import receipts, repository, tokens
from services.connectors.etsy.client import EtsyApi, ReceiptsPage
from services.connectors.etsy.config import EtsySettings
from services.connectors.etsy.lifecycle import Outcome, next_outcome, publishes
from services.connectors.retrying import with_retries
from shared import outbox
from shared.contracts.connectors import ChannelOrderCancelled

log = logging.getLogger(__name__)

FIRST_POLL_LOOKBACK_SECONDS = 3 * 24 * 3600  # a new shop's history is not imported


@dataclass(frozen=True)
class PollResult:
    pages: int
    receipts: int
    published: int
    watermark: int | None


async def _record(conn: AsyncConnection, shop: Any, raw: Any, mappings: dict[str, str]) -> bool:
    """Record one receipt; True when its order was published now."""
    head = receipts.head(raw)
    row = await repository.receipt(conn, shop.shop_id, head.receipt_id)
    known = Outcome(row.outcome) if row is not None else None
    now = next_outcome(head, known)
    if row is None:
        recorded = await repository.insert_receipt(
            conn,
            shop_id=shop.shop_id,
            receipt_id=head.receipt_id,
            status=head.status.value,
            updated=head.updated_at,
            outcome=now.value,
        )
    else:
        recorded = await repository.update_receipt(
            conn,
            shop_id=shop.shop_id,
            receipt_id=head.receipt_id,
            status=head.status.value,
            updated=head.updated_at,
            outcome=now.value,
            from_outcome=row.outcome,
        )
    if not recorded:
        return False
    if known is Outcome.PUBLISHED and now is Outcome.ENDED_AFTER_PUBLISH:
        # The conditional update above succeeds once, so the cancellation is published once;
        # orders applies it like any channel cancel (docs/connectors.md).
        await outbox.add(conn, [_cancellation(shop, head)])
        return False
    if not publishes(known, now):
        return False
    order = receipts.to_inbound_order(raw, shop=shop.domain, item_for=mappings.get)
    await outbox.add(conn, [order])
    return True


def _cancellation(shop: Any, head: receipts.ReceiptHead) -> ChannelOrderCancelled:
    return ChannelOrderCancelled(
        channel="etsy",
        shop=shop.domain,
        external_id=head.receipt_id,
        cancelled_at=datetime.fromtimestamp(head.updated_at, UTC),
        reason=f"Etsy receipt {head.status.value}",
    )


async def _take_page(engine: AsyncEngine, shop: Any, results: list[Any]) -> int:
    """One transaction per receipt: an unreadable one is kept aside and never blocks."""
    published = 0
    async with engine.connect() as conn:
        mappings = await connectors_repository.sku_mappings(conn, shop.domain)
    for raw in results:
        try:
            async with engine.begin() as conn:
                published += await _record(conn, shop, raw, mappings)
        except receipts.InvalidEtsyReceipt as error:
            await _keep_unreadable(engine, shop, raw, str(error))
    return published


async def _keep_unreadable(engine: AsyncEngine, shop: Any, raw: Any, problem: str) -> None:
    """Never dropped: kept with the reason, listed for the operator, read again when Etsy
    changes it. Without a receipt id there is nothing to keep it under: logged only."""
    log.error("Etsy shop %s: unreadable receipt: %s", shop.shop_id, problem)
    receipt_id = raw.get("receipt_id") if isinstance(raw, dict) else None
    if isinstance(receipt_id, bool) or not isinstance(receipt_id, int):
        return
    updated = raw.get("updated_timestamp")
    async with engine.begin() as conn:
        await repository.record_unreadable(
            conn,
            shop_id=shop.shop_id,
            receipt_id=str(receipt_id),
            status=str(raw.get("status") or "?")[:50].lower(),
            updated=updated if isinstance(updated, int) and not isinstance(updated, bool) else 0,
            problem=problem,
        )


def _newest(results: list[Any], newest: int | None) -> int | None:
    """The latest ``updated_timestamp`` among the page's receipts and ``newest``."""
    stamps = [r.get("updated_timestamp") for r in results if isinstance(r, dict)]
    known = [s for s in stamps if isinstance(s, int)] + ([newest] if newest is not None else [])
    return max(known) if known else None


def _since(watermark: int | None, overlap: int) -> int:
    if watermark is None:
        return int(time.time()) - FIRST_POLL_LOOKBACK_SECONDS
    return max(0, watermark - overlap)


async def poll_shop(
    engine: AsyncEngine,
    api: EtsyApi,
    shop_id: str,
    *,
    settings: EtsySettings,
    retries: WriteBackSettings,
) -> PollResult:
    """Read every receipt modified since the watermark; raises AdminError when Etsy could
    not be read within the retry budget (the watermark then stays where it was)."""
    async with engine.connect() as conn:
        shop = await repository.shop(conn, shop_id)
    if shop is None:
        raise AdminError(f"unknown Etsy shop {shop_id}")

    async def failed(error: AdminError) -> None:
        log.warning("Etsy shop %s: receipts call failed: %s", shop_id, error)

    since = _since(shop.receipts_watermark, settings.overlap_seconds)

    async def read(offset: int) -> ReceiptsPage:
        return await tokens.with_token(
            engine,
            api,
            shop_id,
            lambda token: api.shop_receipts(
                token, shop_id, min_last_modified=since, limit=settings.page_limit, offset=offset
            ),
            margin_seconds=settings.refresh_margin_seconds,
        )

    newest, offset, pages, seen, published = shop.receipts_watermark, 0, 0, 0, 0
    try:
        while True:
            page = await with_retries(partial(read, offset), retries, on_failure=failed)
            pages += 1
            published += await _take_page(engine, shop, page.results)
            newest = _newest(page.results, newest)
            seen += len(page.results)
            offset += len(page.results)
            if len(page.results) < settings.page_limit or offset >= page.count:
                break
    except AdminError as error:
        async with engine.begin() as conn:
            await repository.record_poll_error(conn, shop_id, str(error))
        raise
    async with engine.begin() as conn:
        await repository.finish_poll(conn, shop_id, watermark=newest)
    return PollResult(pages=pages, receipts=seen, published=published, watermark=newest)
