"""An order's timeline: production news said once, with the facts a sentence needs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.orders.timeline.order_timeline import Entry, once
from services.orders.timeline.timeline_notes import production_note, reservation_note
from shared.contracts.inventory import ReservedLot
from shared.contracts.production import (
    Demand,
    ProductionOrderDemandsChanged,
    ProductionOrderPlanned,
    ProductionOrderStatusChanged,
    ProductionStatus,
)
from shared.units import Quantity

ORDER = uuid.uuid4()
OTHER = uuid.uuid4()
PO = uuid.uuid4()
DEMANDS = (
    Demand(order_id=ORDER, line_no=1, quantity=Quantity.of("3", "pc")),
    Demand(order_id=ORDER, line_no=2, quantity=Quantity.of("2", "pc")),
    Demand(order_id=OTHER, line_no=1, quantity=Quantity.of("9", "pc")),
)


def test_a_new_production_order_is_noted_once_by_its_first_status_with_number_and_reason():
    planned = ProductionOrderPlanned(
        production_order_id=PO,
        number="MO-00042",
        item_code="SOAP",
        quantity=Quantity.of("14", "pc"),
        demands=DEMANDS,
    )
    born = ProductionOrderStatusChanged(
        production_order_id=PO,
        number="MO-00042",
        item_code="SOAP",
        previous=None,
        status=ProductionStatus.PLANNED,
        reason="no active recipe for SOAP",
        demands=DEMANDS,
    )

    notes = [production_note(e, ORDER) for e in (planned, born)]

    assert notes[0] is None
    assert notes[1] is not None and notes[1].kind == "production.planned"
    assert notes[1].data == {
        "production_order_id": str(PO),
        "number": "MO-00042",
        "item_code": "SOAP",
        "status": "planned",
        "quantity": "5",
        "unit": "pc",
        "reason": "no active recipe for SOAP",
    }
    assert "MO-00042" in notes[1].detail and str(PO) not in notes[1].detail


def test_an_order_taken_off_a_production_order_is_told_it_no_longer_serves_it():
    emptied = ProductionOrderDemandsChanged(
        production_order_id=PO,
        item_code="SOAP",
        quantity=Quantity.of("9", "pc"),
        status=ProductionStatus.PLANNED,
        demands=DEMANDS[2:],
    )

    note = production_note(emptied, ORDER)

    assert note is not None and note.kind == "production.demands"
    assert note.data["serves"] is False and note.data["number"] is None
    assert str(PO) in note.detail  # a producer before numbers: named by its id


def test_reserved_and_allocated_stock_name_each_lot():
    lots = (
        ReservedLot(
            line_no=1, item_code="SOAP", lot_code="L-12", quantity=Quantity.of("3.000", "pc")
        ),
        ReservedLot(line_no=1, item_code="SOAP", lot_code="L-13", quantity=Quantity.of("1", "pc")),
    )

    reserved = reservation_note(lots)
    allocated = reservation_note(lots[:1], production_order_id=PO)

    assert reservation_note(()) is None
    assert reserved is not None and reserved.kind == "stock.reserved"
    assert reserved.detail == "reserved 3 pc of SOAP from lot L-12; 1 pc of SOAP from lot L-13"
    assert [lot["lot_code"] for lot in reserved.data["lots"]] == ["L-12", "L-13"]
    assert allocated is not None and allocated.kind == "stock.allocated"
    assert allocated.data["production_order_id"] == str(PO)


def _entry(
    seconds: float, kind: str = "production.planned", summary: str = "MO-1 planned"
) -> Entry:
    at = datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(seconds=seconds)
    return Entry(at, kind, summary, {})


def test_the_same_production_news_twice_a_moment_apart_is_one_event_but_a_later_repeat_stays():
    entries = [
        _entry(0.4),
        _entry(0),
        _entry(1, "status.awaiting_production", "received → awaiting_production"),
        _entry(3600),
        _entry(0.5, summary="MO-2 planned"),
    ]

    kept = once(entries)

    assert [(e.at.second, e.at.minute, e.summary) for e in kept] == [
        (0, 0, "MO-1 planned"),
        (0, 0, "MO-2 planned"),
        (1, 0, "received → awaiting_production"),
        (0, 0, "MO-1 planned"),
    ]
    assert kept[-1].at - kept[0].at == timedelta(hours=1)


def test_two_parcels_delivered_by_one_carrier_at_once_are_two_events():
    parcels = [
        _entry(0, "shipment.delivered", "PostNord"),
        _entry(1, "shipment.delivered", "PostNord"),
    ]

    assert once(parcels) == parcels
