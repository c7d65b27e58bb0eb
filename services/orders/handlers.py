"""Orders' subscribers: channel orders in, stock and production outcomes back."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.orders import channel_changes, recalls, releases, service
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
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import (
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


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    async def on_inbound_order(envelope: Envelope, event: Event) -> None:
        """Every accepted channel order becomes exactly one Lotline order; the channel's
        answers to our write-backs go on the order's timeline."""
        match event:
            case InboundOrderReceived():
                await service.receive_inbound_order(engine, envelope, event)
            case ChannelFulfilled() | ChannelWriteBackFailed():
                await service.record_channel_news(engine, envelope, event)
            case ChannelOrderCancelled() | ChannelOrderEdited() | ChannelRefundCreated():
                await channel_changes.apply_channel_change(engine, envelope, event)
            case SkuMappingChanged():
                await releases.apply_sku_mapping(engine, envelope, event)
            case _:
                pass

    async def on_inventory_event(envelope: Envelope, event: Event) -> None:
        """Reservations, allocations of produced goods and releases move the order on."""
        match event:
            case StockReserved() | StockShort():
                await service.apply_stock_outcome(engine, envelope, event)
            case StockAllocated():
                await service.receive_allocation(engine, envelope, event)
            case StockReleased():
                await service.forget_released_stock(engine, envelope, event)
            case RecallApplied():
                await recalls.hold_orders_on_recalled_lots(engine, envelope, event)
            case RecallLifted():
                await recalls.release_orders_of_lifted_recall(engine, envelope, event)
            case _:
                pass

    async def on_production_event(envelope: Envelope, event: Event) -> None:
        """Production orders serving the order explain and drive its status; production
        promises its delivery date."""
        if isinstance(event, OrderPromised):
            await service.record_promise(engine, envelope, event)
        elif isinstance(event, OrderMaterialsChanged):
            await service.record_missing_materials(engine, envelope, event)
        elif isinstance(
            event,
            ProductionOrderPlanned | ProductionOrderStatusChanged | ProductionOrderDemandsChanged,
        ):
            await service.follow_production(engine, envelope, event)

    subscriber.subscribe(broker, topics.INBOUND_ORDERS, on_inbound_order)
    subscriber.subscribe(broker, topics.INVENTORY, on_inventory_event)
    subscriber.subscribe(broker, topics.PRODUCTION, on_production_event)
