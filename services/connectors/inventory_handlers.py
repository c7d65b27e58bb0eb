"""Connectors' subscriber to inventory: items for the manual and CSV channels."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.direct_orders import items
from services.connectors.stock_push import stock_tracking
from shared.contracts import topics
from shared.contracts.inventory import ItemDefined, LotChanged
from shared.messaging import EventSubscriber


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    # Know the items hand-made orders may name, and what each shop may sell.
    subscriber.consume(
        broker,
        topics.INVENTORY,
        engine,
        {ItemDefined: items.remember_item, LotChanged: stock_tracking.on_lot_changed},
        name="on_inventory_event",
    )
