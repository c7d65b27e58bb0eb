"""The one idempotent path every Shopify order picture goes through — a webhook from the
inbox or an order found by reconciliation: lock the order, decide against its last applied
state (``order_state.decide``), publish what changed, store the new state; all in the
caller's transaction, so the state and its events commit together."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors import repository
from services.connectors.shopify import order_snapshot, order_state
from services.connectors.shopify import orders as shopify_orders
from services.connectors.shopify import sync_repository as repo
from services.connectors.shopify.order_snapshot import OrderSnapshot, Refund
from services.connectors.shopify.order_state import Decision, Verdict
from shared import outbox
from shared.contracts.base import Event
from shared.contracts.connectors import (
    ChannelLineQuantity,
    ChannelOrderCancelled,
    ChannelOrderEdited,
    ChannelRefundCreated,
    InboundOrderReceived,
)
from shared.units import Quantity

log = logging.getLogger(__name__)
CHANNEL = shopify_orders.CHANNEL


class OrderNotSeenYet(LookupError):
    """A refund for an order Lotline has not received: retried later (reconciliation also
    brings the order with its refunds, so the refund is never lost)."""


async def _new_order(
    conn: AsyncConnection, shop: str, payload: Any, snapshot: OrderSnapshot
) -> InboundOrderReceived:
    """The order as it is now: lines at their current quantity, removed lines left out. An
    order born cancelled keeps every line as ordered (the record of what was asked for); it
    is born cancelled, so those lines make no demand."""
    mappings = await repository.sku_mappings(conn, shop)
    order = shopify_orders.to_inbound_order(payload, shop=shop, item_for=mappings.get)
    shop_row = await repository.shop(conn, shop)
    live = bool(shop_row is not None and shop_row.test_orders_live)
    update: dict[str, Any] = {"cancelled_at": snapshot.cancelled_at, "test_live": live}
    if snapshot.cancelled_at is None:
        update["lines"] = tuple(
            line.model_copy(
                update={"quantity": Quantity.of(snapshot.lines[line.external_line_id], "pc")}
            )
            for line in order.lines
            if snapshot.lines.get(line.external_line_id, 0) > 0
        )
    return order.model_copy(update=update)


def _quantities(lines: dict[str, int]) -> tuple[ChannelLineQuantity, ...]:
    return tuple(
        ChannelLineQuantity(external_line_id=line, quantity=Quantity.of(quantity, "pc"))
        for line, quantity in sorted(lines.items())
    )


async def _events(
    conn: AsyncConnection, shop: str, payload: Any, snapshot: OrderSnapshot, decision: Decision
) -> list[Event]:
    match decision.verdict:
        case Verdict.NEW | Verdict.NEW_CANCELLED:
            return [await _new_order(conn, shop, payload, snapshot)]
        case Verdict.CANCELLED:
            assert snapshot.cancelled_at is not None
            cancelled = ChannelOrderCancelled(
                channel=CHANNEL,
                shop=shop,
                external_id=snapshot.external_id,
                cancelled_at=snapshot.cancelled_at,
                reason=snapshot.cancel_reason,
            )
            return [cancelled]
        case Verdict.EDITED:
            edited = ChannelOrderEdited(
                channel=CHANNEL,
                shop=shop,
                external_id=snapshot.external_id,
                version=snapshot.updated_at,
                lines=_quantities(decision.reduced),
            )
            return [edited]
    return []


async def apply_order(conn: AsyncConnection, shop: str, payload: Any, *, source: str) -> Verdict:
    """Mirror one picture of an order (and the refunds it carries) exactly once."""
    snapshot = order_snapshot.read_order(payload)
    await repo.lock_order(conn, shop, snapshot.external_id)
    stored = await repo.stored_order(conn, shop, snapshot.external_id)
    decision = order_state.decide(stored, snapshot)
    if decision.grown and stored is not None:
        log.warning(
            "%s order %s grew (%s): additions are not mirrored; see docs/connectors.md",
            shop,
            snapshot.external_id,
            decision.grown,
        )
    if decision.stores:
        await outbox.add(conn, await _events(conn, shop, payload, snapshot, decision))
        state = order_state.stored_after(snapshot)
        await repo.save_order(conn, shop, snapshot.external_id, state, source=source)
    for refund in order_snapshot.refunds_of(payload):
        await apply_refund(conn, shop, refund, source=source)
    return decision.verdict


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
        lines=_quantities(restocked),
    )
    await outbox.add(conn, [event])
    return True
