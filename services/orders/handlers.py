"""Orders' subscribers: channel orders in, stock and production outcomes back; which use
case applies each event type (``shared.consuming`` gives each its transaction)."""

from __future__ import annotations

from uuid import UUID

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import parking, service
from services.orders.batch_locks import lock_orders_first
from services.orders.costs import lot_costs as costs
from services.orders.edits import channel_changes
from services.orders.holds import recalls, releases
from services.orders.parking import UseCase
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.connectors import (
    ChannelFulfilled,
    ChannelOrderCancelled,
    ChannelOrderEdited,
    ChannelRefundCreated,
    ChannelWriteBackFailed,
    InboundOrderReceived,
    SkuMappingChanged,
)
from shared.contracts.inventory import (
    LotCostChanged,
    LotReceived,
    RecallApplied,
    RecallLifted,
    StockAllocated,
    StockReleased,
    StockReserved,
    StockShort,
)
from shared.contracts.production import (
    OrderMaterialsChanged,
    OrderPromised,
    ProductionOrderDemandsChanged,
    ProductionOrderPlanned,
    ProductionOrderStatusChanged,
)
from shared.messaging import EventSubscriber

# What inventory and production say of one order; parked while the order is not known
# yet (``services.orders.parking``), applied when the channel order creates it.
ABOUT_AN_ORDER: dict[type[Event], UseCase] = {
    StockReserved: service.apply_stock_outcome,
    StockShort: service.apply_stock_outcome,
    StockAllocated: service.receive_allocation,
    StockReleased: service.forget_released_stock,
    OrderPromised: service.record_promise,
    OrderMaterialsChanged: service.record_missing_materials,
}
# Those whose first statement reads the order (``service.Unknown``): no read before them.
LOOK_THEMSELVES = {StockReserved, StockShort, StockAllocated, OrderPromised, OrderMaterialsChanged}
PARKED = {
    kind: parking.until_known(use_case, looks_itself=kind in LOOK_THEMSELVES)
    for kind, use_case in ABOUT_AN_ORDER.items()
}


def _order_of(event: InboundOrderReceived) -> UUID:
    return service.order_id_for(event.channel, event.external_id)


def _created_by(event: Event) -> UUID | None:
    """The order a channel's event may create (its parked events are taken first)."""
    return _order_of(event) if isinstance(event, InboundOrderReceived) else None


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    # Every accepted channel order becomes exactly one Lotline order; the channel's answers
    # to our write-backs go on the order's timeline.
    subscriber.consume(
        broker,
        topics.INBOUND_ORDERS,
        engine,
        {
            InboundOrderReceived: parking.then_unparked(
                service.receive_inbound_order, _order_of, ABOUT_AN_ORDER
            ),
            ChannelFulfilled: service.record_channel_news,
            ChannelWriteBackFailed: service.record_channel_news,
            ChannelOrderCancelled: channel_changes.apply_channel_change,
            ChannelOrderEdited: channel_changes.apply_channel_change,
            ChannelRefundCreated: channel_changes.apply_channel_change,
            SkuMappingChanged: releases.apply_sku_mapping,
        },
        name="on_inbound_order",
        lock_first=parking.taken_first(_created_by),
    )
    # Reservations, allocations of produced goods and releases move the order on.
    subscriber.consume(
        broker,
        topics.INVENTORY,
        engine,
        {
            StockReserved: PARKED[StockReserved],
            StockShort: PARKED[StockShort],
            StockAllocated: PARKED[StockAllocated],
            StockReleased: PARKED[StockReleased],
            LotReceived: costs.when_lot_received,
            LotCostChanged: costs.when_lot_cost_changed,
            RecallApplied: recalls.hold_orders_on_recalled_lots,
            RecallLifted: recalls.release_orders_of_lifted_recall,
        },
        name="on_inventory_event",
        lock_first=lock_orders_first,
    )
    # Production orders serving the order explain and drive its status; production
    # promises its delivery date.
    subscriber.consume(
        broker,
        topics.PRODUCTION,
        engine,
        {
            OrderPromised: PARKED[OrderPromised],
            OrderMaterialsChanged: PARKED[OrderMaterialsChanged],
            ProductionOrderPlanned: service.follow_production,
            ProductionOrderStatusChanged: service.follow_production,
            ProductionOrderDemandsChanged: service.follow_production,
        },
        name="on_production_event",
        lock_first=lock_orders_first,  # its events lock the orders they serve, not their key
    )
