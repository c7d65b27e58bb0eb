"""Trace's subscribers: inventory's and orders' facts feed the genealogy graph."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.trace import projection
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.messaging import EventSubscriber

# Consumer groups (with the deployment's topic prefix): a rebuild resets exactly these.
HANDLED_TOPICS = {"on_inventory_event": topics.INVENTORY, "on_order_event": topics.ORDERS}


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    async def on_inventory_event(envelope: Envelope, event: Event) -> None:
        """Receipts, production records, shipments and stock snapshots."""
        await projection.project(engine, envelope, event)

    async def on_order_event(envelope: Envelope, event: Event) -> None:
        """Which customer each order is for."""
        await projection.project(engine, envelope, event)

    subscriber.subscribe(broker, HANDLED_TOPICS["on_inventory_event"], on_inventory_event)
    subscriber.subscribe(broker, HANDLED_TOPICS["on_order_event"], on_order_event)
