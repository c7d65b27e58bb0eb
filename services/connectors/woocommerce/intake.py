"""The one idempotent path every picture of a WooCommerce order goes through — a webhook or
an order read by reconciliation: lock the order, decide against what was applied
(``lifecycle.decide``), publish what changed, store the new state; all in the caller's
transaction, so the state and its events commit together (the outbox)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors import repository as connectors_repository
from services.connectors.woocommerce import lifecycle, orders, repository
from services.connectors.woocommerce.lifecycle import Action, Decision, Outcome, Stored
from shared import outbox
from shared.contracts.connectors import ChannelOrderCancelled

log = logging.getLogger(__name__)


def _stored(row: Any) -> Stored | None:
    return None if row is None else Stored(Outcome(row.outcome), row.date_modified)


def _cancellation(shop: str, order_id: str, at: datetime, reason: str) -> ChannelOrderCancelled:
    return ChannelOrderCancelled(
        channel=orders.CHANNEL,
        shop=shop,
        external_id=orders.external_id(shop, order_id),
        cancelled_at=at,
        reason=reason,
    )


async def apply_order(conn: AsyncConnection, shop: str, payload: Any, *, source: str) -> Decision:
    """Mirror one picture of an order exactly once; InvalidWooOrder when unreadable."""
    head = orders.head(payload)
    row = await repository.locked_order(conn, shop, head.order_id)
    decision = lifecycle.decide(_stored(row), head.stage, head.modified_at)
    if decision.stale:
        log.info("%s order %s: an older picture (%s) ignored", shop, head.order_id, head.status)
        return decision
    if decision.action is Action.PUBLISH:
        mappings = await connectors_repository.sku_mappings(conn, shop)
        await outbox.add(conn, [orders.to_inbound_order(payload, shop=shop, item_for=mappings.get)])
    elif decision.action is Action.CANCEL:
        reason = f"WooCommerce order {head.status}"
        await outbox.add(conn, [_cancellation(shop, head.order_id, head.modified_at, reason)])
    await repository.save_order(
        conn,
        shop,
        head.order_id,
        status=head.status,
        modified_at=head.modified_at,
        outcome=decision.outcome.value,
        source=source,
    )
    return decision


async def apply_deleted(
    conn: AsyncConnection, shop: str, order_id: str, *, source: str
) -> Decision:
    """``order.deleted``: an order Lotline holds is cancelled once; any other just ends."""
    row = await repository.locked_order(conn, shop, order_id)
    decision = lifecycle.deleted(_stored(row))
    now = datetime.now(UTC)
    if decision.action is Action.CANCEL:
        await outbox.add(conn, [_cancellation(shop, order_id, now, "WooCommerce order deleted")])
    await repository.save_order(
        conn,
        shop,
        order_id,
        status="trash",
        modified_at=max(now, row.date_modified) if row is not None else now,
        outcome=decision.outcome.value,
        source=source,
    )
    return decision
