"""Purchase order rules: partial receipts, over-delivery, closed orders refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.inventory.errors import Conflict
from services.inventory.replenishment.purchase_order_rules import (
    after_receipt,
    can_cancel,
    remaining,
    weekdays_after,
)
from shared.contracts.inventory import PurchaseOrderStatus as P


def test_a_partial_receipt_keeps_the_order_open_and_the_rest_to_come():
    received, status = after_receipt(P.OPEN, Decimal(100), Decimal(0), Decimal(40))
    assert (received, status, remaining(Decimal(100), received)) == (
        Decimal(40),
        P.OPEN,
        Decimal(60),
    )


def test_the_last_receipt_closes_it_even_when_more_came():
    assert after_receipt(P.OPEN, Decimal(100), Decimal(40), Decimal(70)) == (
        Decimal(110),
        P.RECEIVED,
    )
    assert remaining(Decimal(100), Decimal(110)) == 0


def test_a_closed_order_refuses_receipts_and_cancellation():
    with pytest.raises(Conflict, match="received"):
        after_receipt(P.RECEIVED, Decimal(1), Decimal(1), Decimal(1))
    with pytest.raises(Conflict, match="cancelled"):
        can_cancel(P.CANCELLED)


def test_the_default_expected_date_skips_weekends():
    assert weekdays_after(date(2027, 3, 5), 1) == date(2027, 3, 8)  # Friday + 1 → Monday
