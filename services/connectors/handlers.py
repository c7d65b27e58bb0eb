"""Connectors' subscribers: thin routing from events to use cases."""

from __future__ import annotations

from collections.abc import Callable

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import write_back
from services.connectors.shopify.orders import CHANNEL as SHOPIFY
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.orders import ShipmentDispatched
from shared.messaging import EventSubscriber


def register(
    subscriber: EventSubscriber,
    broker: KafkaBroker,
    engine: AsyncEngine,
    *,
    on_staged: Callable[[], None] = lambda: None,
) -> None:
    async def on_order_event(envelope: Envelope, event: Event) -> None:
        """Tell the shop a Shopify order shipped; other channels have no write-back yet."""
        match event:
            case ShipmentDispatched(channel=channel) if channel == SHOPIFY:
                if await write_back.stage_for_shipment(engine, envelope, event):
                    on_staged()
            case _:
                pass

    subscriber.subscribe(broker, topics.ORDERS, on_order_event)
