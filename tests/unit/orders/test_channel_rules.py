"""Channel edits and refunds on a Lotline order: reductions only, never past shipping;
returns lot by lot, never more than shipped."""

from __future__ import annotations

from decimal import Decimal

from services.orders.edits.channel_rules import (
    EditKind,
    Line,
    ShippedLot,
    lots_to_return,
    plan_edit,
)
from shared.contracts.orders import OrderStatus

S = OrderStatus
SOAP = Line(1, "L1", "LAVENDER-SOAP", Decimal(5), "pc")
HONEY = Line(2, "L2", "HONEY-JAR", Decimal(2), "pc")


def test_a_reduction_of_a_live_order_is_announced_with_how_much_less():
    plan = plan_edit(S.READY_TO_SHIP, [SOAP, HONEY], {"L1": Decimal(2)})

    assert plan.kind is EditKind.REDUCE and plan.new_quantities == {1: Decimal(2)}
    [line] = plan.announce
    assert (line.line_no, line.quantity.value, line.reduced_by.value) == (1, Decimal(2), Decimal(3))


def test_removing_every_line_is_a_cancellation():
    plan = plan_edit(S.AWAITING_PRODUCTION, [SOAP, HONEY], {"L1": Decimal(0), "L2": Decimal(0)})

    assert plan.kind is EditKind.CANCEL


def test_a_shipped_order_or_a_growing_line_is_not_edited():
    assert plan_edit(S.SHIPPED, [SOAP], {"L1": Decimal(1)}).kind is EditKind.IGNORE
    assert plan_edit(S.READY_TO_SHIP, [SOAP], {"L1": Decimal(9)}).kind is EditKind.IGNORE


def test_an_order_on_hold_changes_its_lines_but_tells_no_one():
    plan = plan_edit(S.ON_HOLD, [SOAP], {"L1": Decimal(1)})

    assert plan.kind is EditKind.REDUCE and plan.announce == ()


def test_returns_come_from_the_latest_shipment_first_and_never_exceed_what_shipped():
    shipped = [
        ShippedLot(1, "LAVENDER-SOAP", "LAV-B", Decimal(1), "pc"),  # latest shipment
        ShippedLot(1, "LAVENDER-SOAP", "LAV-A", Decimal(3), "pc"),
    ]

    returned = lots_to_return(shipped, {1: Decimal(9), 2: Decimal(1)})

    assert [(r.lot_code, r.quantity.value) for r in returned] == [
        ("LAV-B", Decimal(1)),
        ("LAV-A", Decimal(3)),
    ]
