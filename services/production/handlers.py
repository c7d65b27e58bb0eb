"""Production's subscribers: thin routing from events to use cases."""

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
from shared.contracts import topics
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
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

    async def on_inventory_event(envelope: Envelope, event: Event) -> None:
        """Shortages become production; items, lots and purchase orders feed the read
        models; materials and completion answers move production orders on; an order wholly
        reserved from stock is promised at once."""
        match event:
            case StockShort():
                await planning.plan_for_stock_short(engine, envelope, event)
            case ItemDefined():
                await read_models.when_item_defined(engine, envelope, event)
            case LotChanged():
                await read_models.when_lot_changed(engine, envelope, event)
            case MaterialsReserved():
                await inventory_answers.when_materials_reserved(engine, envelope, event)
            case MaterialsShort():
                await inventory_answers.when_materials_short(engine, envelope, event)
            case MaterialsReleased():
                await inventory_answers.when_materials_released(engine, envelope, event)
            case ProductionRejected():
                await inventory_answers.when_production_rejected(engine, envelope, event)
            case ProductionRecorded():
                await inventory_answers.when_production_recorded(engine, envelope, event)
            case StockReserved():
                await promises.promise_from_stock(engine, envelope, event, terms=terms)
            case ReplenishmentRequested():
                await make_to_stock.plan_replenishment(engine, envelope, event)
            case PurchaseOrderChanged():
                await purchase_orders.when_purchase_order_changed(engine, envelope, event)
            case _:
                pass

    async def on_order_event(envelope: Envelope, event: Event) -> None:
        """A cancelled order stops the production made only for it; a reduced one shrinks it;
        a new one's shop and shipping service set its promise's last terms."""
        match event:
            case OrderReceived():
                await customer_orders.remember(engine, envelope, event)
            case OrderCancelled():
                await cancellation.when_order_cancelled(engine, envelope, event)
            case OrderLinesReduced():
                await order_edits.when_order_lines_reduced(engine, envelope, event)
            case _:
                pass

    subscriber.subscribe(broker, topics.INVENTORY, on_inventory_event)
    subscriber.subscribe(broker, topics.ORDERS, on_order_event)
