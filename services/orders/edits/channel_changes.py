"""A channel's cancellations, edits and refunds applied to Lotline orders, once each (the
inbox), in the order the channel made them (one Kafka key per channel order, and the edit's
``version``). The rules are in ``channel_rules``; docs/connectors.md explains them."""

from __future__ import annotations

import logging
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import repository
from services.orders.domain import CANCELLABLE
from services.orders.edits import channel_repository, channel_rules
from services.orders.edits.channel_rules import EditKind
from services.orders.service import cancel_in, order_id_for
from services.orders.shipments import shipments_repository
from shared.consuming import Delivery
from shared.contracts.connectors import (
    ChannelOrderCancelled,
    ChannelOrderEdited,
    ChannelRefundCreated,
)
from shared.contracts.orders import OrderItemsReturned, OrderLinesReduced, OrderStatus

log = logging.getLogger(__name__)
ChannelChange = ChannelOrderCancelled | ChannelOrderEdited | ChannelRefundCreated


async def apply_channel_change(tx: Delivery, event: ChannelChange) -> None:
    conn = tx.conn
    order_id = order_id_for(event.channel, event.external_id)
    current = await repository.status_for_update(conn, order_id)
    if current is None:  # connectors publishes an order before any change of it
        log.error("%s for unknown order %s:%s", event.TYPE, event.channel, event.external_id)
        return
    match event:
        case ChannelOrderCancelled():
            await _cancelled(tx, event, order_id, current)
        case ChannelOrderEdited():
            await _edited(tx, event, order_id, current)
        case ChannelRefundCreated():
            await _refunded(tx, event, order_id)


async def _note(conn: AsyncConnection, order_id: UUID, kind: str, detail: str) -> None:
    await shipments_repository.log_event(conn, order_id=order_id, kind=kind, detail=detail)


async def _cancelled(
    tx: Delivery, event: ChannelOrderCancelled, order_id: UUID, current: OrderStatus
) -> None:
    """The existing cancel path; an order already shipped only notes it on its timeline."""
    conn = tx.conn
    reason = f"cancelled on {event.channel}" + (f": {event.reason}" if event.reason else "")
    if current not in CANCELLABLE:
        await _note(conn, order_id, "channel.cancel_not_applied", f"{reason}; order is {current}")
        return
    await cancel_in(conn, order_id, current, reason=reason, tx=tx)


async def _edited(
    tx: Delivery, event: ChannelOrderEdited, order_id: UUID, current: OrderStatus
) -> None:
    conn = tx.conn
    if not await channel_repository.claim_channel_version(conn, order_id, event.version):
        await _note(conn, order_id, "channel.edit_ignored", "an older edit arrived late")
        return
    wanted = {line.external_line_id: line.quantity.value for line in event.lines}
    lines = await channel_repository.lines(conn, order_id)
    plan = channel_rules.plan_edit(current, lines, wanted)
    await _note(conn, order_id, f"channel.edit_{plan.kind.value}", plan.reason)
    if plan.kind is EditKind.IGNORE:
        return
    await channel_repository.set_line_quantities(conn, order_id, plan.new_quantities)
    if plan.kind is EditKind.CANCEL:
        await cancel_in(conn, order_id, current, reason=plan.reason, tx=tx)
        return
    if plan.announce:
        reduced = OrderLinesReduced(order_id=order_id, lines=plan.announce, reason=plan.reason)
        await tx.publish([reduced])


async def _refunded(tx: Delivery, event: ChannelRefundCreated, order_id: UUID) -> None:
    conn = tx.conn
    by_external = {
        line.external_line_id: line for line in await channel_repository.lines(conn, order_id)
    }
    wanted = {
        by_external[line.external_line_id].line_no: line.quantity.value
        for line in event.lines
        if line.external_line_id in by_external
    }
    returnable = await channel_repository.returnable_lots(conn, order_id)
    lots = channel_rules.lots_to_return(returnable, wanted)
    return_id = f"{event.channel}:{event.refund_id}"
    if not await channel_repository.record_return(
        conn, order_id, return_id, lots, destination=event.restock_to
    ):
        await _note(
            conn,
            order_id,
            "channel.refund",
            f"refund {event.refund_id}: nothing shipped to restock",
        )
        return
    await _note(
        conn,
        order_id,
        "channel.refund",
        f"refund {event.refund_id}: {len(lots)} lot(s) back to {event.restock_to}",
    )
    returned = OrderItemsReturned(
        order_id=order_id, return_id=return_id, destination=event.restock_to, lots=lots
    )
    await tx.publish([returned])
