"""Orders use cases; each owns its transaction (state, inbox and outbox together)."""

from __future__ import annotations

import logging
from enum import Enum
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.orders import domain, repository
from services.orders.edits import channel_repository
from services.orders.holds import releases
from services.orders.notifications.notifier import notify
from services.orders.promises import promising
from services.orders.shipments import shipments_repository
from services.orders.timeline import timeline_notes
from shared import outbox
from shared.consuming import Delivery
from shared.contracts.base import Event
from shared.contracts.connectors import (
    ChannelFulfilled,
    ChannelWriteBackFailed,
    InboundOrderReceived,
    order_id_for,
)

__all__ = ["order_id_for"]  # the id every channel order gets, computed in shared.contracts
from shared.contracts.inventory import StockAllocated, StockReleased, StockReserved, StockShort
from shared.contracts.orders import OrderCancelled, OrderStatus, OrderStatusChanged
from shared.contracts.production import (
    OrderMaterialsChanged,
    OrderPromised,
    ProductionOrderDemandsChanged,
    ProductionOrderPlanned,
    ProductionOrderStatusChanged,
    ProductionStatus,
)

log = logging.getLogger(__name__)
CONSUMER = "orders"


class Unknown(Enum):
    """What a use case about one order returns when it found no such order, before writing
    anything: ``parking.until_known`` then parks the event, without a read of its own first."""

    ORDER = "unknown order"


async def receive_inbound_order(tx: Delivery, event: InboundOrderReceived) -> None:
    """Persist a channel order once per (channel, external id), even when delivered twice."""
    conn = tx.conn
    order_id = order_id_for(event.channel, event.external_id)
    event = await releases.with_known_mappings(conn, event)
    new = domain.accept(order_id, event)
    head = await repository.insert_order(
        conn, order_id, event, status=new.status, hold_reason=new.hold_reason
    )
    if head is None:
        log.info("order %s:%s already exists", event.channel, event.external_id)
        return
    events = new.events(event)
    for change in events:  # the first (received, from nothing) was written with the order
        if isinstance(change, OrderStatusChanged) and change.previous is not None:
            await repository.record_status(conn, change)
    if new.status is OrderStatus.RECEIVED:  # born received: no change since the insert
        await notify(conn, head, kind="order_confirmed", context={})
    await tx.publish(list(events))


async def apply_stock_outcome(tx: Delivery, event: StockReserved | StockShort) -> Unknown | None:
    """Record what inventory reserved (and what is short) and move the order on."""
    conn = tx.conn
    current = await repository.status_for_update(conn, event.order_id)
    if current is None:
        return Unknown.ORDER
    target = domain.after_stock(current, event)
    if not domain.can_move(current, target):
        log.warning("order %s is %s; ignoring %s", event.order_id, current, event.TYPE)
        return None
    await _log(conn, event.order_id, timeline_notes.reservation_note(event.reservations))
    reason = None
    if isinstance(event, StockShort):
        await repository.save_shortages(conn, event.order_id, event.shortages)
        reason = "; ".join(s.reason for s in event.shortages if s.reason) or None
    change = domain.transition(event.order_id, current, target, reason=reason)
    # the reservations are stored with the move, in its statement
    await repository.record_status(conn, change, reserved=event.reservations)
    await tx.publish([change])
    return None


async def _log(conn: AsyncConnection, order_id: UUID, note: timeline_notes.Note | None) -> None:
    """A note on the order's timeline (none when the news says nothing new to it)."""
    if note is not None:
        await shipments_repository.log_event(
            conn, order_id=order_id, kind=note.kind, detail=note.detail, data=note.data
        )


ProductionUpdate = (
    ProductionOrderPlanned | ProductionOrderStatusChanged | ProductionOrderDemandsChanged
)


async def follow_production(tx: Delivery, event: ProductionUpdate) -> None:
    """Keep the order lines ↔ production orders links current and tell each order what its
    production means for it (awaiting materials, materials reserved, in production)."""
    conn = tx.conn
    status = ProductionStatus.PLANNED if isinstance(event, ProductionOrderPlanned) else event.status
    shortages = event.shortages if isinstance(event, ProductionOrderStatusChanged) else ()
    affected = await repository.replace_production_links(
        conn,
        production_order_id=event.production_order_id,
        item_code=event.item_code,
        status=status.value,
        demands=event.demands,
        shortages=shortages,
        number=event.number,
    )
    changes = []
    for order_id in sorted(affected):
        head = await repository.order_head(conn, order_id, lock=True)  # its status with it
        if head is None:
            continue
        current = OrderStatus(head.status)
        production = await repository.production_statuses(conn, order_id)
        await _log(conn, order_id, timeline_notes.production_note(event, order_id))
        change = domain.follow_production(
            order_id, current, production, missing=repository.missing_materials_of(head)
        )
        if change is not None:
            await repository.record_status(conn, change)
            changes.append(change)
    await tx.publish(list(changes))


async def record_missing_materials(tx: Delivery, event: OrderMaterialsChanged) -> Unknown | None:
    """What the order's production lacks at every level: shown on the order, logged on its
    timeline, and its status follows (nothing missing any more → it waits for production)."""
    conn = tx.conn
    current = await repository.status_for_update(conn, event.order_id)
    if current is None:
        return Unknown.ORDER
    await repository.set_missing_materials(conn, event.order_id, event.missing)
    described = domain.describe_missing(event.missing)
    await _log(conn, event.order_id, timeline_notes.missing_note(event.missing, described))
    production = await repository.production_statuses(conn, event.order_id)
    change = domain.follow_production(event.order_id, current, production, missing=event.missing)
    if change is None:
        return None
    await repository.record_status(conn, change)
    await tx.publish([change])
    return None


async def receive_allocation(tx: Delivery, event: StockAllocated) -> Unknown | None:
    """Produced goods were allocated to the order: record them; ready to ship when complete."""
    conn = tx.conn
    current = await repository.status_for_update(conn, event.order_id)
    if current is None:
        return Unknown.ORDER
    await repository.save_reservations(conn, event.order_id, event.reservations)
    allocated = timeline_notes.reservation_note(
        event.reservations, production_order_id=event.production_order_id
    )
    await _log(conn, event.order_id, allocated)
    target = domain.after_allocation(current, fully_reserved=event.fully_reserved)
    if target is None:
        return None
    await repository.clear_shortages(conn, event.order_id)
    change = domain.transition(event.order_id, current, target)
    await repository.record_status(conn, change)
    await tx.publish([change])
    return None


async def forget_released_stock(tx: Delivery, event: StockReleased) -> None:
    conn = tx.conn
    if event.partial:
        await channel_repository.shrink_reservations(conn, event.order_id, event.released)
        return
    await repository.drop_reservations(conn, event.order_id)


class OrderNotFound(LookupError):
    pass


async def cancel_order(engine: AsyncEngine, order_id: UUID, *, reason: str | None) -> None:
    """Cancel before shipping: inventory releases the stock, production the batches made
    only for this order (they react to OrderCancelled)."""
    async with engine.begin() as conn:
        current = await repository.status_for_update(conn, order_id)
        if current is None:
            raise OrderNotFound(f"no order {order_id}")
        await cancel_in(conn, order_id, current, reason=reason, tx=None)


async def cancel_in(
    conn: AsyncConnection,
    order_id: UUID,
    current: OrderStatus,
    *,
    reason: str | None,
    tx: Delivery | None,
) -> None:
    """The one cancel path (operator or channel), inside the caller's transaction; a
    channel's cancellation (``tx``) names the event it came from."""
    change = domain.cancel(order_id, current, reason=reason)
    await repository.record_status(conn, change)
    head = await repository.order_head(conn, order_id)
    await notify(conn, head, kind="order_cancelled", context={"reason": reason})
    events: list[Event] = [change, OrderCancelled(order_id=order_id, reason=reason)]
    if tx is None:
        await outbox.add(conn, events)
    else:
        await tx.publish(events)


async def record_channel_news(
    tx: Delivery, event: ChannelFulfilled | ChannelWriteBackFailed
) -> None:
    """What the channel was told (or failed to be told) goes on the order's timeline."""
    conn = tx.conn
    if await repository.order_head(conn, event.order_id) is None:
        return
    data: dict[str, str | None] = {"channel": event.channel}
    if isinstance(event, ChannelFulfilled):
        kind = "channel.fulfilled"
        detail = f"{event.channel} fulfilment {event.external_fulfillment_id or '(already there)'}"
        data["fulfillment_id"] = event.external_fulfillment_id
    else:
        kind = "channel.write_back_failed"
        detail = f"{event.channel} write-back failed: {event.reason}"
        data["reason"] = event.reason
    await shipments_repository.log_event(
        conn,
        order_id=event.order_id,
        kind=kind,
        detail=detail,
        shipment_id=event.shipment_id,
        data=data,
    )


async def record_promise(tx: Delivery, event: OrderPromised) -> Unknown | None:
    """Store the date production promises; a change is published once, a slip mailed once."""
    conn = tx.conn
    head = await repository.order_head(conn, event.order_id, lock=True)
    if head is None:
        return Unknown.ORDER
    update = promising.on_promise(
        event.order_id,
        OrderStatus(head.status),
        head.promised_on,
        event.promised_on,
        event.reason,
    )
    if update is None:
        return None
    await repository.set_promise(conn, event.order_id, update.promised_on, update.reason)
    previous = None
    if update.change is None:
        kind, detail = "promise.set", f"promised for {update.promised_on} ({update.reason})"
    else:
        previous = update.change.previous_promised_on
        verb = "slipped" if update.change.slipped else "moved earlier"
        kind = "promise.slipped" if update.change.slipped else "promise.earlier"
        detail = f"promise {verb}: {previous} → {update.promised_on} ({update.reason})"
    note = timeline_notes.promise_note(
        kind, detail, promised_on=update.promised_on, previous=previous, reason=update.reason
    )
    await _log(conn, event.order_id, note)
    if update.tell_customer and update.change is not None:
        await notify(
            conn,
            head,
            kind="promise_slipped",
            reference=update.change.previous_promised_on.isoformat(),
            context={
                "previous_promised_on": update.change.previous_promised_on.isoformat(),
                "promised_on": update.promised_on.isoformat(),
                "reason": update.reason,
            },
        )
    if update.change is not None:
        await tx.publish([update.change])
    return None
