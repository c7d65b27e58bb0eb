"""Inventory's subscribers: thin routing from events to use cases."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import service
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.orders import OrderReceived
from shared.messaging import EventSubscriber


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    async def on_order_event(envelope: Envelope, event: Event) -> None:
        """Reserve finished stock as soon as an order exists; other order events are not ours."""
        match event:
            case OrderReceived():
                await service.reserve_for_order(engine, envelope, event)
            case _:
                pass

    subscriber.subscribe(broker, topics.ORDERS, on_order_event)
