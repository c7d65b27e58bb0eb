"""Production's subscribers."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import service
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import StockShort
from shared.messaging import EventSubscriber


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    async def on_inventory_event(envelope: Envelope, event: Event) -> None:
        """A shortage on an order is planned as production (make-to-order)."""
        if isinstance(event, StockShort):
            await service.plan_for_stock_short(engine, envelope, event)

    subscriber.subscribe(broker, topics.INVENTORY, on_inventory_event)
