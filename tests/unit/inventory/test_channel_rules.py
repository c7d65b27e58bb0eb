"""A reduced order line gives back reserved stock, the latest-expiring lot first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.inventory.reservations.channel_rules import (
    HeldLot,
    quarantine_lot_code,
    release_down_to,
)


def held(lot_id: int, quantity: int, expires: date | None) -> HeldLot:
    return HeldLot(lot_id, lot_id, f"LOT-{lot_id}", "SOAP", "pc", expires, Decimal(quantity))


def test_the_latest_expiring_lot_is_given_back_first_so_fefo_still_holds():
    soon, later = held(1, 3, date(2027, 1, 1)), held(2, 2, date(2027, 6, 1))

    released = release_down_to([soon, later], Decimal(2))

    assert [(h.lot_code, q) for h, q in released] == [("LOT-2", Decimal(2)), ("LOT-1", Decimal(1))]


def test_nothing_is_given_back_when_the_line_still_needs_it_all():
    assert release_down_to([held(1, 3, None)], Decimal(5)) == []


@given(
    quantities=st.lists(st.integers(1, 9), min_size=1, max_size=5),
    keep=st.integers(-2, 40),
)
def test_what_stays_reserved_is_the_new_quantity_or_less_and_never_negative(quantities, keep):
    lots = [held(i, q, date(2027, 1, i + 1)) for i, q in enumerate(quantities)]

    released = release_down_to(lots, Decimal(keep))

    left = sum(quantities) - sum(q for _, q in released)
    assert left == min(sum(quantities), max(keep, 0))
    assert all(0 < q <= h.quantity for h, q in released)


def test_a_quarantine_lot_is_named_after_its_origin():
    assert quarantine_lot_code("LAV-2026-11-A") == "LAV-2026-11-A-Q"
