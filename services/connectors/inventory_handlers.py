"""Connectors' subscriber to inventory: items for the manual and CSV channels."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import items, stock_tracking
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import ItemDefined, LotChanged
from shared.messaging import EventSubscriber


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    async def on_inventory_event(envelope: Envelope, event: Event) -> None:
        """Know the items hand-made orders may name, and what each shop may sell."""
        match event:
            case ItemDefined():
                await items.remember_item(engine, envelope, event)
            case LotChanged():
                await stock_tracking.on_lot_changed(engine, envelope, event)
            case _:
                pass

    subscriber.subscribe(broker, topics.INVENTORY, on_inventory_event)
