"""Production's subscribers: which use case applies each event type (``shared.consuming``
gives each its transaction)."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import read_models
from services.production.order_changes import cancellation, reductions
from services.production.production_orders import inventory_answers, make_to_stock, planning
from services.production.promise import customer_orders, replanner, stock_promises
from services.production.purchasing import open_orders
from shared import wakeups
from shared.consuming import Delivery, UseCase
from shared.contracts import topics
from shared.contracts.base import Event
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
from shared.messaging import EventSubscriber, Routes
from shared.settings import PromiseSettings


def replans(routes: Routes) -> dict[type[Event], UseCase]:
    """Events that may change the plan (orders, stock, materials, purchase orders): each
    marks its transaction so the re-plan runs after it commits — unless its use case
    returned False, saying it changed nothing the plan reads (a stale lot snapshot)."""

    def marking(use_case: UseCase) -> UseCase:
        async def applied(tx: Delivery, event: Any) -> Any:
            result = await use_case(tx, event)
            if result is not False:
                wakeups.mark(tx.conn, replanner.PLAN_CHANGED)
            return result

        applied.__name__ = getattr(use_case, "__name__", "applied")
        return applied

    return {event_type: marking(use_case) for event_type, use_case in routes.items()}


def _plan_changed(conn: AsyncConnection) -> None:
    wakeups.mark(conn, replanner.PLAN_CHANGED)


# A newer lot snapshot wakes the re-plan (a stale one does not): marked once per batch by
# the statement keeping the batch's snapshots, not per event (``read_models.lot_snapshots``).
on_lot_changed = read_models.lot_snapshots(when_kept=_plan_changed)


def register(
    subscriber: EventSubscriber,
    broker: KafkaBroker,
    engine: AsyncEngine,
    *,
    promise: PromiseSettings | None = None,
) -> None:
    terms = promise or PromiseSettings()

    async def promise_from_stock(tx: Delivery, event: StockReserved) -> None:
        stock_promises.promise_from_stock(
            tx, event, terms=terms, today=replanner.today_utc(), calendar=replanner.SITE_CALENDAR
        )

    # Shortages become production; items, lots and purchase orders feed the read models;
    # materials and completion answers move production orders on; an order wholly reserved
    # from stock is promised at once. Released materials (recorded only) and a recorded
    # output lot (of a completed order, which the plan no longer holds) change no promise:
    # they do not wake the re-plan.
    subscriber.consume(
        broker,
        topics.INVENTORY,
        engine,
        replans(
            {
                StockShort: planning.plan_for_stock_short,
                ItemDefined: read_models.when_item_defined,
                MaterialsReserved: inventory_answers.when_materials_reserved,
                MaterialsShort: inventory_answers.when_materials_short,
                ProductionRejected: inventory_answers.when_production_rejected,
                ReplenishmentRequested: make_to_stock.plan_replenishment,
                PurchaseOrderChanged: open_orders.when_purchase_order_changed,
            }
        )
        # an order reserved from stock is promised here and now; no production changed
        | {
            LotChanged: on_lot_changed,
            StockReserved: promise_from_stock,
            MaterialsReleased: inventory_answers.when_materials_released,
            ProductionRecorded: inventory_answers.when_production_recorded,
        },
        name="on_inventory_event",
    )
    # A cancelled order stops the production made only for it; a reduced one shrinks it;
    # a new one's shop and shipping service set its promise's last terms.
    subscriber.consume(
        broker,
        topics.ORDERS,
        engine,
        replans(
            {
                OrderReceived: customer_orders.remember,
                OrderCancelled: cancellation.when_order_cancelled,
                OrderLinesReduced: reductions.when_order_lines_reduced,
            }
        ),
        name="on_order_event",
    )
