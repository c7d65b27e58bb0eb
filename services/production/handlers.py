"""Production's subscribers: which use case applies each event type (``shared.consuming``
gives each its transaction)."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import (
    cancellation,
    customer_orders,
    inventory_answers,
    make_to_stock,
    order_edits,
    planning,
    promises,
    purchase_orders,
    read_models,
)
from shared.consuming import Delivery
from shared.contracts import topics
from shared.contracts.inventory import (
    ItemDefined,
    LotChanged,
    MaterialsReleased,
    MaterialsReserved,
    MaterialsShort,
    ProductionRecorded,
    ProductionRejected,
    PurchaseOrderChanged,
    ReplenishmentRequested,
    StockReserved,
    StockShort,
)
from shared.contracts.orders import OrderCancelled, OrderLinesReduced, OrderReceived
from shared.messaging import EventSubscriber
from shared.settings import PromiseSettings


def register(
    subscriber: EventSubscriber,
    broker: KafkaBroker,
    engine: AsyncEngine,
    *,
    promise: PromiseSettings | None = None,
) -> None:
    terms = promise or PromiseSettings()

    async def promise_from_stock(tx: Delivery, event: StockReserved) -> None:
        await promises.promise_from_stock(tx, event, terms=terms)

    # Shortages become production; items, lots and purchase orders feed the read models;
    # materials and completion answers move production orders on; an order wholly reserved
    # from stock is promised at once.
    subscriber.consume(
        broker,
        topics.INVENTORY,
        engine,
        {
            StockShort: planning.plan_for_stock_short,
            ItemDefined: read_models.when_item_defined,
            LotChanged: read_models.when_lot_changed,
            MaterialsReserved: inventory_answers.when_materials_reserved,
            MaterialsShort: inventory_answers.when_materials_short,
            MaterialsReleased: inventory_answers.when_materials_released,
            ProductionRejected: inventory_answers.when_production_rejected,
            ProductionRecorded: inventory_answers.when_production_recorded,
            StockReserved: promise_from_stock,
            ReplenishmentRequested: make_to_stock.plan_replenishment,
            PurchaseOrderChanged: purchase_orders.when_purchase_order_changed,
        },
        name="on_inventory_event",
    )
    # A cancelled order stops the production made only for it; a reduced one shrinks it;
    # a new one's shop and shipping service set its promise's last terms.
    subscriber.consume(
        broker,
        topics.ORDERS,
        engine,
        {
            OrderReceived: customer_orders.remember,
            OrderCancelled: cancellation.when_order_cancelled,
            OrderLinesReduced: order_edits.when_order_lines_reduced,
        },
        name="on_order_event",
    )
