"""An order's timeline against the real PostgreSQL: what was reserved from which lot, each
production order's news once, under its number, with the facts a sentence is made of."""

from __future__ import annotations

import uuid

from services.orders import repository, service
from services.orders.timeline import order_timeline as timeline
from shared.consuming import apply_once
from shared.contracts.connectors import InboundOrderLine, InboundOrderReceived
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import ReservedLot, Shortage, StockShort
from shared.contracts.production import (
    Demand,
    ProductionOrderPlanned,
    ProductionOrderStatusChanged,
    ProductionStatus,
)
from shared.units import Quantity


async def test_reservations_and_a_new_production_order_appear_once_with_their_facts(orders_engine):
    inbound = InboundOrderReceived(
        channel="shopify",
        shop="demo.myshopify.com",
        external_id=str(uuid.uuid4().int >> 65),
        lines=(
            InboundOrderLine(
                external_line_id="1", sku="SOAP-1", item_code="SOAP", quantity=Quantity.of(5, "pc")
            ),
        ),
    )
    await apply_once(orders_engine, service.receive_inbound_order, Envelope.wrap(inbound), inbound)
    order_id = service.order_id_for("shopify", inbound.external_id)
    short = StockShort(
        order_id=order_id,
        reservations=(
            ReservedLot(
                line_no=1, item_code="SOAP", lot_code="L-12", quantity=Quantity.of(3, "pc")
            ),
        ),
        shortages=(
            Shortage(
                line_no=1,
                item_code="SOAP",
                requested=Quantity.of(5, "pc"),
                reserved=Quantity.of(3, "pc"),
                missing=Quantity.of(2, "pc"),
            ),
        ),
    )
    await apply_once(orders_engine, service.apply_stock_outcome, Envelope.wrap(short), short)
    po_id = uuid.uuid4()
    demands = (Demand(order_id=order_id, line_no=1, quantity=Quantity.of(2, "pc")),)
    # what production publishes for every new production order: planned, then born planned
    for news in (
        ProductionOrderPlanned(
            production_order_id=po_id,
            number="MO-00042",
            item_code="SOAP",
            quantity=Quantity.of(10, "pc"),
            demands=demands,
        ),
        ProductionOrderStatusChanged(
            production_order_id=po_id,
            number="MO-00042",
            item_code="SOAP",
            previous=None,
            status=ProductionStatus.PLANNED,
            demands=demands,
        ),
    ):
        await apply_once(orders_engine, service.follow_production, Envelope.wrap(news), news)

    async with orders_engine.connect() as conn:
        entries = await timeline.timeline(conn, order_id)
        order = await repository.load_order(conn, order_id)

    kinds = [e.kind for e in entries]
    assert kinds.count("production.planned") == 1
    assert kinds[:4] == [
        "status.received",
        "notification.order_confirmed",
        "status.awaiting_production",
        "stock.reserved",
    ]
    reserved = entries[kinds.index("stock.reserved")].detail
    assert reserved["lots"] == [
        {"line_no": 1, "item_code": "SOAP", "lot_code": "L-12", "quantity": "3", "unit": "pc"}
    ]
    planned = entries[kinds.index("production.planned")]
    assert planned.detail["number"] == "MO-00042"
    assert planned.detail["production_order_id"] == str(po_id)
    assert (planned.detail["quantity"], planned.detail["unit"]) == ("2", "pc")
    assert "MO-00042" in planned.summary and str(po_id) not in planned.summary
    assert order is not None
    assert [p["production_number"] for p in order["production_orders"]] == ["MO-00042"]
