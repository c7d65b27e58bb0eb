"""Connectors' subscribers: thin routing from events to use cases."""

from __future__ import annotations

from collections.abc import Callable

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels import registry
from services.connectors.channels.port import Capability
from services.connectors.channels.registry import Channels
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
    channels: Channels | None = None,
) -> None:
    known = channels or registry.default()

    async def write_back_shipment(tx: Delivery, event: ShipmentDispatched) -> None:
        """Tell the shop its order shipped, when its channel takes a fulfilment write-back
        (the manual and wholesale channels do not). The worker is woken once the
        write-back is committed."""
        if known.supports(event.channel, Capability.FULFILMENT) and (
            await shipped_orders.stage_for_shipment(tx, event, known)
        ):
            tx.after_commit(on_staged)

    subscriber.consume(
        broker,
        topics.ORDERS,
        engine,
        {ShipmentDispatched: write_back_shipment},
        name="on_order_event",
    )
