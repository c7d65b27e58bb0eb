"""FEFO reservation of finished stock: pure domain, no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from services.inventory.reservations.domain import Lot, reserve
from shared.contracts.inventory import StockReserved, StockShort
from shared.contracts.orders import OrderLineRef
from shared.units import Quantity

ORDER = uuid4()


def lot(
    lot_id: int, item: str, on_hand: str, *, reserved: str = "0", expires: str | None = None
) -> Lot:
    return Lot(
        id=lot_id,
        lot_code=f"L-{lot_id}",
        item_code=item,
        unit="pc",
        on_hand=Decimal(on_hand),
        reserved=Decimal(reserved),
        expires_on=date.fromisoformat(expires) if expires else None,
    )


def line(no: int, item: str, qty: str, unit: str = "pc") -> OrderLineRef:
    return OrderLineRef(line_no=no, item_code=item, quantity=Quantity.of(qty, unit))


def test_reserves_the_earliest_expiring_lot_first():
    later = lot(1, "LAVENDER-SOAP", "10", expires="2027-06-01")
    soon = lot(2, "LAVENDER-SOAP", "10", expires="2027-03-01")

    outcome = reserve([later, soon], [line(1, "LAVENDER-SOAP", "4")])

    assert [(a.lot.lot_code, a.quantity) for a in outcome.allocations] == [("L-2", Decimal(4))]
    assert isinstance(outcome.event(ORDER), StockReserved)


def test_spills_over_to_the_next_lot_and_leaves_undated_lots_last():
    undated = lot(1, "HONEY", "50")
    soon = lot(2, "HONEY", "3", expires="2027-01-01")
    later = lot(3, "HONEY", "2", expires="2027-02-01")

    outcome = reserve([undated, soon, later], [line(1, "HONEY", "6")])

    assert [(a.lot.lot_code, a.quantity) for a in outcome.allocations] == [
        ("L-2", Decimal(3)),
        ("L-3", Decimal(2)),
        ("L-1", Decimal(1)),
    ]


def test_already_reserved_stock_is_not_available():
    only = lot(1, "HONEY", "5", reserved="4")

    outcome = reserve([only], [line(1, "HONEY", "3")])

    assert outcome.reserved_from(1) == Decimal(1)
    event = outcome.event(ORDER)
    assert isinstance(event, StockShort)
    assert event.shortages[0].missing == Quantity.of("2", "pc")
    assert event.shortages[0].reserved == Quantity.of("1", "pc")


def test_two_lines_of_the_same_item_share_one_lot_without_double_counting():
    only = lot(1, "SOAP", "5")

    outcome = reserve([only], [line(1, "SOAP", "3"), line(2, "SOAP", "3")])

    assert outcome.reserved_from(1) == Decimal(5)
    assert [(s.line_no, s.missing.value) for s in outcome.shortages] == [(2, Decimal(1))]


def test_an_item_without_stock_is_entirely_short():
    outcome = reserve([lot(1, "SOAP", "5")], [line(1, "OLIVE-OIL", "2")])

    event = outcome.event(ORDER)

    assert isinstance(event, StockShort)
    assert event.reservations == ()
    assert event.shortages[0].missing == Quantity.of("2", "pc")


def test_a_line_in_another_unit_is_not_served_from_lots_counted_differently():
    outcome = reserve([lot(1, "FLOUR", "5")], [line(1, "FLOUR", "2", unit="kg")])

    assert outcome.allocations == ()
    assert outcome.shortages[0].missing == Quantity.of("2", "kg")


lots_strategy = st.lists(
    st.builds(
        lambda i, item, on_hand, frac, day: lot(
            i,
            item,
            str(on_hand),
            reserved=str((on_hand * frac) // 100),
            expires=f"2027-01-{day:02d}" if day else None,
        ),
        st.integers(1, 10_000),
        st.sampled_from(["A", "B"]),
        st.integers(0, 50),
        st.integers(0, 100),
        st.integers(0, 28),
    ),
    max_size=8,
    unique_by=lambda x: x.id,
)
lines_strategy = st.lists(
    st.builds(
        lambda no, item, q: line(no, item, str(q)),
        st.integers(1, 5),
        st.sampled_from(["A", "B"]),
        st.integers(1, 60),
    ),
    max_size=5,
    unique_by=lambda x: x.line_no,
)


@given(lots=lots_strategy, lines=lines_strategy)
def test_never_reserves_more_than_a_lot_has_available(lots, lines):
    outcome = reserve(lots, lines)

    assert all(outcome.reserved_from(x.id) <= x.available for x in lots)


@given(lots=lots_strategy, lines=lines_strategy)
def test_every_unit_asked_for_is_either_reserved_or_short(lots, lines):
    outcome = reserve(lots, lines)

    for ln in lines:
        reserved = sum(
            (a.quantity for a in outcome.allocations if a.line_no == ln.line_no), Decimal(0)
        )
        missing = sum(
            (s.missing.value for s in outcome.shortages if s.line_no == ln.line_no), Decimal(0)
        )
        assert reserved + missing == ln.quantity.value
        assert missing == 0 or all(
            outcome.reserved_from(x.id) == x.available for x in lots if x.item_code == ln.item_code
        )
