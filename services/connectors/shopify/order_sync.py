"""The one idempotent path every Shopify order picture goes through — a webhook from the
inbox or an order found by reconciliation: lock the order, decide against its last applied
state (``order_changes.change``), publish what changed, store the new state; all in the
caller's transaction, so the state and its events commit together."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors import repository
from services.connectors.shopify import order_changes, order_snapshot
from services.connectors.shopify import orders as shopify_orders
from services.connectors.shopify import sync_repository as repo
from services.connectors.shopify.order_changes import Change, ShopContext
from services.connectors.shopify.order_snapshot import Refund
from services.connectors.shopify.order_state import Verdict
from shared import outbox
from shared.contracts.connectors import ChannelRefundCreated

log = logging.getLogger(__name__)
CHANNEL = shopify_orders.CHANNEL


class OrderNotSeenYet(LookupError):
    """A refund for an order Lotline has not received: retried later (reconciliation also
    brings the order with its refunds, so the refund is never lost)."""


async def shop_context(conn: AsyncConnection, shop: str) -> ShopContext:
    """The shop's SKU mappings and test-order switch, read once for its new orders."""
    mappings = await repository.sku_mappings(conn, shop)
    return ShopContext(mappings, await repository.live_test_orders(conn, shop))


def warn_if_grown(shop: str, external_id: str, result: Change, *, seen_before: bool) -> None:
    """Additions to a known order are not mirrored: say so where an operator looks."""
    if result.decision.grown and seen_before:
        log.warning(
            "%s order %s grew (%s): additions are not mirrored; see docs/connectors.md",
            shop,
            external_id,
            result.decision.grown,
        )


async def apply_order(conn: AsyncConnection, shop: str, payload: Any, *, source: str) -> Verdict:
    """Mirror one picture of an order (and the refunds it carries) exactly once."""
    snapshot = order_snapshot.read_order(payload)
    await repo.lock_order(conn, shop, snapshot.external_id)
    stored = await repo.stored_order(conn, shop, snapshot.external_id)
    context = await shop_context(conn, shop) if stored is None else None
    result = order_changes.change(stored, snapshot, payload, shop=shop, context=context)
    warn_if_grown(shop, snapshot.external_id, result, seen_before=stored is not None)
    if result.state is not None:
        await outbox.add(conn, result.events)
        await repo.save_order(conn, shop, snapshot.external_id, result.state, source=source)
    for refund in order_snapshot.refunds_of(payload):
        await apply_refund(conn, shop, refund, source=source)
    return result.decision.verdict


async def apply_refund(conn: AsyncConnection, shop: str, refund: Refund, *, source: str) -> bool:
    """Publish a refund's restocked goods once per refund id; False when already seen or
    nothing came back to stock. Raises OrderNotSeenYet before the order's first picture."""
    await repo.lock_order(conn, shop, refund.external_id)
    if await repo.stored_order(conn, shop, refund.external_id) is None:
        raise OrderNotSeenYet(f"refund {refund.refund_id}: order {refund.external_id} not seen")
    first = await repo.record_refund(
        conn, shop, refund.refund_id, external_id=refund.external_id, source=source
    )
    restocked: dict[str, int] = {}
    for line in refund.lines:
        if line.restocked and line.quantity > 0:
            restocked[line.external_line_id] = restocked.get(line.external_line_id, 0) + (
                line.quantity
            )
    if not first or not restocked:
        return False
    shop_row = await repository.shop(conn, shop)
    event = ChannelRefundCreated(
        channel=CHANNEL,
        shop=shop,
        external_id=refund.external_id,
        refund_id=refund.refund_id,
        restock_to=shop_row.restock_to if shop_row is not None else "origin_lot",
        lines=order_changes.quantities(restocked),
    )
    await outbox.add(conn, [event])
    return True
