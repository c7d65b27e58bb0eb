"""What an order does with a promised date: record, move earlier quietly, tell a slip."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.orders.promises.promising import on_promise
from shared.contracts.orders import OrderStatus

ORDER = UUID(int=1)
S = OrderStatus


def test_the_first_date_is_recorded_without_a_change_event():
    got = on_promise(ORDER, S.AWAITING_MATERIALS, None, date(2027, 3, 18), "material FLOUR")
    assert got is not None and got.change is None and not got.tell_customer


def test_the_same_date_again_does_nothing():
    same = date(2027, 3, 18)
    assert on_promise(ORDER, S.AWAITING_MATERIALS, same, same, "x") is None


def test_an_earlier_date_is_a_change_but_no_slip():
    got = on_promise(ORDER, S.MATERIALS_RESERVED, date(2027, 3, 18), date(2027, 3, 4), "stock")
    assert got is not None and got.change is not None
    assert (got.change.slipped, got.tell_customer) == (False, False)


def test_a_later_date_is_a_slip_the_customer_is_told():
    got = on_promise(ORDER, S.MATERIALS_RESERVED, date(2027, 3, 4), date(2027, 3, 8), "line down")
    assert got is not None and got.change is not None
    assert got.change.previous_promised_on == date(2027, 3, 4)
    assert (got.change.slipped, got.tell_customer) == (True, True)


def test_a_shipped_or_cancelled_order_keeps_its_date():
    for status in (S.SHIPPED, S.DELIVERED, S.CANCELLED):
        assert on_promise(ORDER, status, date(2027, 3, 4), date(2027, 3, 8), "late") is None
