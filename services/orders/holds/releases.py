"""Releasing held orders: a SKU mapping announced by connectors, or an operator's release.

Each release commits the status change, the ``OrderReceived`` that inventory reserves for and
the confirmation e-mail together; the order's row lock and its ``on_hold`` status make a
second release (redelivered event, double click) a no-op or a 409, never a second order."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.orders import repository
from services.orders.domain import IllegalTransition
from services.orders.holds import holds, holds_repository
from services.orders.notifications.notifier import notify
from shared import outbox
from shared.consuming import Delivery
from shared.contracts.connectors import InboundOrderReceived, SkuMappingChanged
from shared.contracts.envelope import Envelope
from shared.contracts.orders import OrderStatus

log = logging.getLogger(__name__)
CONSUMER = "orders"


class OrderNotHeld(IllegalTransition):
    """Only an order on hold can be released."""


class HeldOrderNotFound(LookupError):
    """Releasing an order that does not exist."""


async def with_known_mappings(
    conn: AsyncConnection, inbound: InboundOrderReceived
) -> InboundOrderReceived:
    """Complete a new order's unmapped lines from mappings announced before it arrived."""
    skus = sorted({ln.key for ln in inbound.lines if ln.item_code is None and ln.key})
    known = await holds_repository.mappings_for(conn, shop=inbound.shop, skus=skus)
    if not known:
        return inbound
    return inbound.model_copy(update={"lines": holds.fill_unmapped(inbound.lines, known)})


async def apply_sku_mapping(tx: Delivery, event: SkuMappingChanged) -> None:
    """Remember the mapping, give it to every held line of that (shop, SKU) and release each
    order that then has nothing left to hold it."""
    conn, envelope = tx.conn, tx.envelope
    await holds_repository.remember_mapping(
        conn, shop=event.shop, sku=event.sku, item_code=event.item_code
    )
    if event.item_code is None:
        return
    held = await holds_repository.held_orders_with_sku(conn, shop=event.shop, sku=event.sku)
    for order_id in held:
        await _map_held_order(conn, envelope, order_id, event.sku, event.item_code)


async def _map_held_order(
    conn: AsyncConnection, envelope: Envelope, order_id: UUID, sku: str, item_code: str
) -> None:
    head = await repository.order_head(conn, order_id, lock=True)
    if head is None or head.status != OrderStatus.ON_HOLD.value:
        return
    lines = await holds_repository.lines(conn, order_id)
    changed = holds.map_sku(lines, sku=sku, item_code=item_code)
    await holds_repository.save_items(conn, order_id, changed)
    lines = await holds_repository.lines(conn, order_id)
    still = holds.blocker(lines)
    if not holds.is_sku_hold(head.hold_reason):
        return  # held for another reason: an operator releases it
    if still is not None:
        await holds_repository.set_hold_reason(conn, order_id, still)
        return
    reason = f"{'' if ':' in sku else 'SKU '}{sku} mapped to {item_code}"
    await _release(conn, head, lines, reason=reason, envelope=envelope)


async def release_order(
    engine: AsyncEngine, order_id: UUID, *, items: Mapping[int, str], reason: str | None
) -> None:
    """An operator releases a held order, naming the item of lines that have none (404
    unknown order, 409 not on hold or a line still unmapped, 422 unknown line)."""
    async with engine.begin() as conn:
        head = await repository.order_head(conn, order_id, lock=True)
        if head is None:
            raise HeldOrderNotFound(f"no order {order_id}")
        if head.status != OrderStatus.ON_HOLD.value:
            raise OrderNotHeld(f"order {order_id} is {head.status}, not on hold")
        if holds.is_recall_hold(head.hold_reason):
            raise OrderNotHeld(
                f"order {order_id} is held by a recall ({head.hold_reason}): its reserved "
                "stock is blocked; cancel the order to release it"
            )
        lines = await holds_repository.lines(conn, order_id)
        await holds_repository.save_items(conn, order_id, holds.assign_items(lines, items))
        lines = await holds_repository.lines(conn, order_id)
        await _release(conn, head, lines, reason=reason or "released by an operator")


async def _release(
    conn: AsyncConnection,
    head: Any,
    lines: Sequence[holds.HeldLine],
    *,
    reason: str,
    envelope: Envelope | None = None,
) -> None:
    order_id: UUID = head.id
    released, received = holds.release(
        order_id,
        OrderStatus.ON_HOLD,
        lines,
        channel=head.channel,
        external_id=head.external_id,
        reason=reason,
        who=holds.OrderParty(
            shop=head.shop,
            external_number=head.external_number,
            customer_name=(head.customer or {}).get("name"),
            customer_email=(head.customer or {}).get("email"),
        ),
    )
    await repository.record_status(conn, released)
    await notify(conn, head, kind="order_confirmed", context={})
    correlation = (envelope.correlation_id or envelope.event_id) if envelope else None
    await outbox.add(
        conn,
        [released, received],
        correlation_id=correlation,
        causation_id=envelope.event_id if envelope else None,
    )
    log.info("order %s released: %s", order_id, reason)
