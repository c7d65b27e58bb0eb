"""Trace's subscribers: inventory's and orders' facts feed the genealogy graph."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.trace import projection
from shared.contracts import topics
from shared.contracts.inventory import LotChanged, LotReceived, ProductionRecorded, StockShipped
from shared.contracts.orders import OrderReceived
from shared.messaging import EventSubscriber, Routes

# Consumer groups (with the deployment's topic prefix): a rebuild resets exactly these.
HANDLED_TOPICS = {"on_inventory_event": topics.INVENTORY, "on_order_event": topics.ORDERS}


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    # Receipts, production records, shipments and stock snapshots; which customer each
    # order is for.
    for name, topic in HANDLED_TOPICS.items():
        subscriber.consume(broker, topic, engine, PROJECTED, name=name)


# Only the events that add to the graph: the others on these topics (an order's every
# status change, reservations…) are skipped before they are parsed.
PROJECTED: Routes = dict.fromkeys(
    (LotReceived, ProductionRecorded, StockShipped, LotChanged, OrderReceived),
    projection.project,
)
