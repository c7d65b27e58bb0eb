"""The genealogy read model over real PostgreSQL: each event applied once, in any order
across topics, answers forward and backward traces in one query."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date
from decimal import Decimal

import pytest

from services.trace import projection, queries, recall
from services.trace.tracing import Amount, Direction
from shared.consuming import apply_once
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import (
    LotChanged,
    LotReceived,
    LotStatus,
    MaterialLot,
    ProductionRecorded,
    ReservedLot,
    StockShipped,
)
from shared.contracts.orders import OrderLineRef, OrderReceived
from shared.units import Quantity

pytestmark = pytest.mark.integration


def q(value: str, unit: str) -> Quantity:
    return Quantity.of(value, unit)


def amount(value: str, unit: str) -> Amount:
    return Amount(Decimal(value), unit)


def history(tag: str) -> dict[str, list[Event]]:
    """flour + butter → dough (P-dough) → biscuits (P-bisc) → shipped to one customer."""
    flour, butter, dough, biscuits = (f"{x}-{tag}" for x in ("FL", "BU", "DO", "BI"))
    dough_po, biscuit_po, order, shipment = (uuid.uuid4() for _ in range(4))
    return {
        "inventory": [
            LotReceived(
                lot_code=flour,
                item_code="FLOUR",
                quantity=q("10", "kg"),
                supplier="Mulino Rossi",
                supplier_lot_code=f"MR-{tag}",
                received_on=date(2026, 11, 2),
            ),
            LotReceived(
                lot_code=butter,
                item_code="BUTTER",
                quantity=q("5", "kg"),
                supplier="Latteria Sole",
                received_on=date(2026, 11, 3),
            ),
            ProductionRecorded(
                production_order_id=dough_po,
                item_code="DOUGH",
                output_lot_code=dough,
                output=q("2", "kg"),
                produced_on=date(2026, 11, 4),
                consumed=(
                    MaterialLot(item_code="FLOUR", lot_code=flour, quantity=q("1", "kg")),
                    MaterialLot(item_code="FLOUR", lot_code=flour, quantity=q("0.2", "kg")),
                    MaterialLot(item_code="BUTTER", lot_code=butter, quantity=q("0.8", "kg")),
                ),
                allocations=(),
            ),
            ProductionRecorded(
                production_order_id=biscuit_po,
                item_code="BISC",
                output_lot_code=biscuits,
                output=q("20", "pc"),
                produced_on=date(2026, 11, 5),
                consumed=(MaterialLot(item_code="DOUGH", lot_code=dough, quantity=q("2", "kg")),),
                allocations=(),
            ),
            StockShipped(
                order_id=order,
                shipment_id=shipment,
                lots=(
                    ReservedLot(
                        line_no=1, item_code="BISC", lot_code=biscuits, quantity=q("4", "pc")
                    ),
                    ReservedLot(
                        line_no=2, item_code="BISC", lot_code=biscuits, quantity=q("2", "pc")
                    ),
                ),
            ),
            LotChanged(
                lot_code=biscuits,
                item_code="BISC",
                on_hand=q("14", "pc"),
                reserved=q("0", "pc"),
                revision=3,
                status=LotStatus.AVAILABLE,
            ),
            LotChanged(
                lot_code=biscuits,
                item_code="BISC",
                on_hand=q("20", "pc"),
                reserved=q("6", "pc"),
                revision=2,
                status=LotStatus.AVAILABLE,
            ),
        ],
        "orders": [
            OrderReceived(
                order_id=order,
                channel="shopify",
                external_id="1",
                shop="s",
                external_number="#1001",
                customer_name="Anna Rossi",
                customer_email="Anna.Rossi@example.org",
                lines=(OrderLineRef(line_no=1, item_code="BISC", quantity=q("6", "pc")),),
            ),
        ],
    }


async def apply_all(engine, envelopes: list[tuple[Envelope, Event]]) -> None:
    for envelope, event in envelopes:
        await apply_once(engine, projection.project, envelope, event)


def wrapped(events: dict[str, list[Event]]) -> list[tuple[Envelope, Event]]:
    return [(Envelope.wrap(e), e) for e in itertools.chain(*events.values())]


async def test_a_forward_trace_of_the_flour_lot_reaches_the_biscuits_and_the_customer(
    trace_engine,
):
    tag = uuid.uuid4().hex[:6]
    events = history(tag)
    await apply_all(trace_engine, wrapped(events))

    trace = await queries.trace(trace_engine, queries.lot_start(f"FL-{tag}"), Direction.FORWARD)

    assert [(lot.lot_code, lot.depth) for lot in trace.lots] == [
        (f"BI-{tag}", 4),
        (f"DO-{tag}", 2),
    ]
    dough_po = next(p for p in trace.production_orders if p.item_code == "DOUGH")
    assert [(c.lot_code, c.quantity) for c in dough_po.consumed] == [
        (f"FL-{tag}", amount("1.2", "kg"))
    ]
    [shipment] = trace.shipments
    assert [(x.lot_code, x.quantity) for x in shipment.lots] == [(f"BI-{tag}", amount("6", "pc"))]
    assert shipment.customer == "anna.rossi@example.org" and shipment.order_number == "#1001"
    [customer] = trace.customers
    assert (customer.name, [(x.lot_code, x.quantity) for x in customer.shipped]) == (
        "Anna Rossi",
        [(f"BI-{tag}", amount("6", "pc"))],
    )
    assert [(s.lot_code, s.quantity) for s in trace.in_stock] == [(f"BI-{tag}", amount("14", "pc"))]


async def test_a_backward_trace_of_the_order_reaches_both_ingredients_and_suppliers(trace_engine):
    tag = uuid.uuid4().hex[:6]
    events = history(tag)
    await apply_all(trace_engine, wrapped(events))
    order_id = events["orders"][0].order_id  # type: ignore[attr-defined]

    trace = await queries.trace(trace_engine, queries.order_start(order_id), Direction.BACKWARD)

    assert {lot.lot_code for lot in trace.lots} == {f"{x}-{tag}" for x in ("FL", "BU", "DO", "BI")}
    assert trace.suppliers == ("Latteria Sole", "Mulino Rossi")
    assert [(s.supplier, s.supplier_lot_code) for s in trace.supplier_lots] == [
        ("Mulino Rossi", f"MR-{tag}")
    ]
    assert trace.customers == ()


async def test_events_in_any_order_and_delivered_twice_give_the_same_traces(trace_engine):
    tag = uuid.uuid4().hex[:6]
    envelopes = wrapped(history(tag))
    shuffled = envelopes[:]
    random.Random(6).shuffle(shuffled)

    await apply_all(trace_engine, list(reversed(shuffled)) + shuffled)

    start = queries.lot_start(f"FL-{tag}")
    forward = await queries.trace(trace_engine, start, Direction.FORWARD)
    [stock] = forward.in_stock
    assert stock.quantity == amount("14", "pc")  # revision 3 wins though revision 2 came later
    backward = await queries.trace(trace_engine, queries.lot_start(f"BI-{tag}"), Direction.BACKWARD)
    assert {lot.lot_code for lot in backward.lots} == {f"{x}-{tag}" for x in ("FL", "BU", "DO")}
    dough_po = next(p for p in forward.production_orders if p.item_code == "DOUGH")
    assert dough_po.consumed[0].quantity == amount("1.2", "kg")  # not doubled by the redelivery


async def test_an_unknown_start_is_a_clear_not_found(trace_engine):
    with pytest.raises(queries.UnknownStart, match="no lot 'NOPE"):
        await queries.trace(trace_engine, queries.lot_start("NOPE-1"), Direction.FORWARD)


async def test_the_recalls_reaching_an_order_a_shipment_or_a_customer_are_found(trace_engine):
    """Issue 25 §6: an order, shipment or customer touched by a recalled lot shows a warning;
    the recalls are found by what they reached, not by scanning the first few."""
    tag, other = uuid.uuid4().hex[:6], uuid.uuid4().hex[:6]
    events = history(tag)
    await apply_all(trace_engine, wrapped(events) + wrapped(history(other)))
    shipped = next(e for e in events["inventory"] if isinstance(e, StockShipped))
    issued = await recall.issue(
        trace_engine,
        start=queries.lot_start(f"FL-{tag}"),
        origin_kind="lot",
        origin=f"lot FL-{tag}",
        reason="mould",
    )
    await recall.issue(  # another history's recall reaches none of this one's
        trace_engine,
        start=queries.lot_start(f"FL-{other}"),
        origin_kind="lot",
        origin=f"lot FL-{other}",
        reason="mould",
    )

    by_order = await recall.list_all(trace_engine, order_id=shipped.order_id)
    by_shipment = await recall.list_all(trace_engine, shipment_id=shipped.shipment_id)
    by_customer = await recall.list_all(trace_engine, customer="anna.rossi@example.org")
    none = await recall.list_all(trace_engine, order_id=uuid.uuid4())

    assert [r.recall_id for r in by_order] == [issued.recall_id]
    assert [r.recall_id for r in by_shipment] == [issued.recall_id]
    assert issued.recall_id in [r.recall_id for r in by_customer]  # both went to Anna
    assert none == []
