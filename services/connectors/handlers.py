"""Connectors' subscribers: thin routing from events to use cases."""

from __future__ import annotations

from collections.abc import Callable

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.etsy.receipts import CHANNEL as ETSY
from services.connectors.shopify.orders import CHANNEL as SHOPIFY
from services.connectors.write_back import shipped_orders
from shared.consuming import Delivery
from shared.contracts import topics
from shared.contracts.orders import ShipmentDispatched
from shared.messaging import EventSubscriber


def register(
    subscriber: EventSubscriber,
    broker: KafkaBroker,
    engine: AsyncEngine,
    *,
    on_staged: Callable[[], None] = lambda: None,
) -> None:
    async def write_back_shipment(tx: Delivery, event: ShipmentDispatched) -> None:
        """Tell the shop a Shopify or Etsy order shipped; other channels have no write-back.
        The worker is woken once the write-back is committed."""
        if event.channel in (SHOPIFY, ETSY) and await shipped_orders.stage_for_shipment(tx, event):
            tx.after_commit(on_staged)

    subscriber.consume(
        broker,
        topics.ORDERS,
        engine,
        {ShipmentDispatched: write_back_shipment},
        name="on_order_event",
    )
