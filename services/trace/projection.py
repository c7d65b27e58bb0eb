"""Applying inventory's and orders' events to the genealogy read model, each exactly once."""

from __future__ import annotations

from services.trace import genealogy, repository
from shared.consuming import Delivery
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotChanged, LotReceived, ProductionRecorded, StockShipped
from shared.contracts.orders import OrderReceived

CONSUMER = "trace"


def facts_of(envelope: Envelope, event: Event) -> genealogy.Facts | None:
    """What ``event`` adds to the graph; None for events that add nothing."""
    on = envelope.occurred_at.date()
    match event:
        case LotReceived():
            return genealogy.from_lot_received(event, on=on)
        case ProductionRecorded():
            return genealogy.from_production_recorded(event)
        case StockShipped():
            return genealogy.from_stock_shipped(event, on=on)
        case LotChanged():
            return genealogy.from_lot_changed(event)
        case OrderReceived():
            return genealogy.from_order_received(event, on=on)
        case _:
            return None


async def project(tx: Delivery, event: Event) -> None:
    """Merge the event's facts once (inbox); the merge itself is order-tolerant."""
    conn, envelope = tx.conn, tx.envelope
    facts = facts_of(envelope, event)
    if facts is None:
        return
    await repository.apply(conn, facts)
