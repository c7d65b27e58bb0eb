"""Inventory's subscribers: thin routing from events to use cases."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import service
from services.inventory.production import holding_and_completion as production
from services.inventory.reservations import channel_changes, shipping
from services.inventory.stock import recalls, recosting
from shared.contracts import topics
from shared.contracts.orders import (
    OrderCancelled,
    OrderItemsReturned,
    OrderLinesReduced,
    OrderReceived,
    ShipmentDispatched,
)
from shared.contracts.production import (
    MaterialsRequested,
    ProductionCompleted,
    ProductionOrderStatusChanged,
    ProductionRunCorrected,
)
from shared.contracts.trace import RecallIssued, RecallWithdrawn
from shared.messaging import EventSubscriber


def register(subscriber: EventSubscriber, broker: KafkaBroker, engine: AsyncEngine) -> None:
    # Reserve stock for a new order, give it back on cancellation, deduct it on dispatch.
    subscriber.consume(
        broker,
        topics.ORDERS,
        engine,
        {
            OrderReceived: service.reserve_for_order,
            OrderCancelled: service.release_for_cancelled_order,
            ShipmentDispatched: shipping.dispatch,
            OrderLinesReduced: channel_changes.shrink_for_reduced_lines,
            OrderItemsReturned: channel_changes.restock_returned,
        },
        name="on_order_event",
    )
    # A recall blocks its lots; its withdrawal unblocks exactly those.
    subscriber.consume(
        broker,
        topics.TRACE,
        engine,
        {
            RecallIssued: recalls.block_recalled_lots,
            RecallWithdrawn: recalls.unblock_withdrawn_recall,
        },
        name="on_trace_event",
    )
    # Hold materials, release them for a cancelled batch, apply a completion, re-cost a run
    # whose recorded time was corrected.
    subscriber.consume(
        broker,
        topics.PRODUCTION,
        engine,
        {
            MaterialsRequested: production.hold_for_production,
            ProductionOrderStatusChanged: production.release_for_cancelled_production,
            ProductionCompleted: production.apply_completion,
            ProductionRunCorrected: recosting.when_run_time_is_corrected_recost_its_output,
        },
        name="on_production_event",
    )
