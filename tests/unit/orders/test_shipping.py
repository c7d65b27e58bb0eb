"""Choosing the lots a shipment takes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.orders.shipments.shipping import (
    LineToShip,
    ReservedOnLot,
    ShipmentRefused,
    plan_shipment,
)

LINES = [
    LineToShip(1, "111", "SOAP", Decimal(5), "pc"),
    LineToShip(2, "222", "HONEY", Decimal(2), "pc"),
]
RESERVED = [
    ReservedOnLot(1, "SOAP-LATE", Decimal(3), date(2027, 6, 1)),
    ReservedOnLot(1, "SOAP-SOON", Decimal(2), date(2027, 2, 1)),
    ReservedOnLot(2, "HONEY-A", Decimal(2), None),
]


def test_everything_reserved_ships_by_default_and_completes_the_order():
    plan = plan_shipment(LINES, RESERVED, {}, None)

    assert [(x.line_no, x.lot_code, str(x.quantity.value)) for x in plan.lots] == [
        (1, "SOAP-SOON", "2"),
        (1, "SOAP-LATE", "3"),
        (2, "HONEY-A", "2"),
    ]
    assert plan.completes_order
    assert plan.lots[0].external_line_id == "111"


def test_a_partial_shipment_takes_earliest_expiry_first_and_leaves_the_order_open():
    plan = plan_shipment(LINES, RESERVED, {}, {1: Decimal(3)})

    assert [(x.lot_code, str(x.quantity.value)) for x in plan.lots] == [
        ("SOAP-SOON", "2"),
        ("SOAP-LATE", "1"),
    ]
    assert not plan.completes_order


def test_the_rest_after_a_partial_shipment_completes_the_order():
    shipped = {(1, "SOAP-SOON"): Decimal(2), (1, "SOAP-LATE"): Decimal(1)}

    plan = plan_shipment(LINES, RESERVED, shipped, None)

    assert [(x.lot_code, str(x.quantity.value)) for x in plan.lots] == [
        ("SOAP-LATE", "2"),
        ("HONEY-A", "2"),
    ]
    assert plan.completes_order


@pytest.mark.parametrize(
    ("wanted", "complaint"),
    [
        ({1: Decimal(6)}, "line 1 \\(SOAP\\): 6 pc asked, only 5 pc allocated and unshipped"),
        ({3: Decimal(1)}, "no line 3"),
        ({2: Decimal(0)}, "must be positive"),
    ],
)
def test_more_than_allocated_an_unknown_line_or_nothing_is_refused(wanted, complaint):
    with pytest.raises(ShipmentRefused, match=complaint):
        plan_shipment(LINES, RESERVED, {}, wanted)


def test_a_fully_shipped_order_has_nothing_left_to_ship():
    shipped = {(r.line_no, r.lot_code): r.quantity for r in RESERVED}

    with pytest.raises(ShipmentRefused, match="nothing is reserved and unshipped"):
        plan_shipment(LINES, RESERVED, shipped, None)
