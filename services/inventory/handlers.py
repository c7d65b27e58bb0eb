"""Inventory's subscribers: thin routing from events to use cases."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import channel_changes, production, recalls, service, shipping
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.orders import (
    OrderCancelled,
    OrderItemsReturned,
    OrderLinesReduced,
    OrderReceived,
    ShipmentDispatched,
)
from shared.contracts.production import (
    MaterialsRequested,
    ProductionCompleted,
    ProductionOrderStatusChanged,
)
from shared.contracts.trace import RecallIssued, RecallWithdrawn
from shared.messaging import EventSubscriber


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    async def on_order_event(envelope: Envelope, event: Event) -> None:
        """Reserve stock for a new order, give it back on cancellation, deduct it on dispatch."""
        match event:
            case OrderReceived():
                await service.reserve_for_order(engine, envelope, event)
            case OrderCancelled():
                await service.release_for_cancelled_order(engine, envelope, event)
            case ShipmentDispatched():
                await shipping.dispatch(engine, envelope, event)
            case OrderLinesReduced():
                await channel_changes.shrink_for_reduced_lines(engine, envelope, event)
            case OrderItemsReturned():
                await channel_changes.restock_returned(engine, envelope, event)
            case _:
                pass

    async def on_production_event(envelope: Envelope, event: Event) -> None:
        """Hold materials, release them for a cancelled batch, apply a completion."""
        match event:
            case MaterialsRequested():
                await production.hold_for_production(engine, envelope, event)
            case ProductionOrderStatusChanged():
                await production.release_for_cancelled_production(engine, envelope, event)
            case ProductionCompleted():
                await production.apply_completion(engine, envelope, event)
            case _:
                pass

    async def on_trace_event(envelope: Envelope, event: Event) -> None:
        """A recall blocks its lots; its withdrawal unblocks exactly those."""
        if isinstance(event, RecallIssued):
            await recalls.block_recalled_lots(engine, envelope, event)
        elif isinstance(event, RecallWithdrawn):
            await recalls.unblock_withdrawn_recall(engine, envelope, event)

    subscriber.subscribe(broker, topics.ORDERS, on_order_event)
    subscriber.subscribe(broker, topics.TRACE, on_trace_event)
    subscriber.subscribe(broker, topics.PRODUCTION, on_production_event)
