"""The consumer groups of outbound webhooks: one per topic carrying a subscribable event,
each with its own inbox consumer (``INBOX``), so the connectors' other groups on the same
topics (write-backs, stock push) and these never take each other's events as seen."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.outbound_webhooks import repository as repo
from services.connectors.outbound_webhooks.staging import when_event
from shared.contracts import topics
from shared.contracts.inventory import LotChanged
from shared.contracts.orders import OrderCancelled, OrderReceived, ShipmentDispatched
from shared.contracts.production import OrderPromised
from shared.contracts.trace import RecallIssued
from shared.messaging import EventSubscriber

INBOX = "connectors.outbound_webhooks"


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    async def anyone_subscribed() -> bool:
        """Staging sends an event only to subscriptions enabled now and created before it
        happened: with none enabled now, a batch would stage nothing, so it passes by
        without its transaction (these groups read every order's events)."""
        return await repo.any_enabled(engine)

    for topic, name, events in (
        (
            topics.ORDERS,
            "outbound_webhooks_orders",
            (OrderReceived, ShipmentDispatched, OrderCancelled),
        ),
        (topics.PRODUCTION, "outbound_webhooks_production", (OrderPromised,)),
        (topics.TRACE, "outbound_webhooks_trace", (RecallIssued,)),
        (topics.INVENTORY, "outbound_webhooks_inventory", (LotChanged,)),
    ):
        subscriber.consume(
            broker,
            topic,
            engine,
            {event: when_event for event in events},
            name=name,
            inbox=INBOX,
            wanted=anyone_subscribed,
        )
