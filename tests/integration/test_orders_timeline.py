"""An order's timeline against the real PostgreSQL: what was reserved from which lot, each
production order's news once, under its number, with the facts a sentence is made of."""

from __future__ import annotations

import uuid

import pytest

from services.orders import repository, service
from services.orders.timeline import order_timeline as timeline
from shared.consuming import Delivery, Routed, apply_batch, apply_once
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


async def an_order_of_five_soaps(orders_engine) -> uuid.UUID:
    """A Shopify order of 5 SOAP received: its id."""
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
    return service.order_id_for("shopify", inbound.external_id)


async def test_reservations_and_a_new_production_order_appear_once_with_their_facts(orders_engine):
    order_id = await an_order_of_five_soaps(orders_engine)
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


async def test_a_batch_writes_its_timeline_entries_at_its_end_in_the_order_they_came(
    orders_engine,
):
    """Applied as one batch (``shared.gathered_rows``), each event's timeline entry is
    written at the end of the batch's transaction, once, in the order the events were
    applied; a batch that fails writes none."""
    order_id = await an_order_of_five_soaps(orders_engine)
    news = [
        ProductionOrderStatusChanged(  # born planned: its news goes on the timeline
            production_order_id=uuid.uuid4(),
            number=f"MO-{n}",
            item_code="SOAP",
            previous=None,
            status=ProductionStatus.PLANNED,
            demands=(Demand(order_id=order_id, line_no=1, quantity=Quantity.of(1, "pc")),),
        )
        for n in (1, 2, 3)
    ]
    envelopes = [Envelope.wrap(event) for event in news]
    batch: list[Routed] = [
        (envelope, event, service.follow_production)
        for envelope, event in zip(envelopes, news, strict=True)
    ]

    async def explodes(tx: Delivery, event: object) -> None:
        raise RuntimeError("deterministic bug")

    bad = news[0].model_copy(update={"production_order_id": uuid.uuid4()})
    with pytest.raises(RuntimeError):
        await apply_batch(orders_engine, "orders", [*batch, (Envelope.wrap(bad), bad, explodes)])
    async with orders_engine.connect() as conn:
        assert [e.kind for e in await timeline.timeline(conn, order_id)].count(
            "production.planned"
        ) == 0

    assert await apply_batch(orders_engine, "orders", batch) == 3
    assert await apply_batch(orders_engine, "orders", batch) == 0  # redelivered: nothing new
    async with orders_engine.connect() as conn:
        entries = await timeline.timeline(conn, order_id)
    planned = [e.detail["number"] for e in entries if e.kind == "production.planned"]
    in_key_order = sorted(zip(envelopes, news, strict=True), key=lambda pair: pair[0].key)
    assert planned == [event.number for _, event in in_key_order]
