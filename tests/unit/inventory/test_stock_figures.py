"""Stock figures: blocked and quarantined lots stay on hand but leave every available figure
(invariant 8), and the figures always add up."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.inventory.reservations.domain import LotFigures, lot_status, stock_figures
from shared.contracts.inventory import LotStatus

AVAILABLE, BLOCKED, QUARANTINED = LotStatus.AVAILABLE, LotStatus.BLOCKED, LotStatus.QUARANTINED


def lot(status: LotStatus, on_hand: str, reserved: str = "0") -> LotFigures:
    return LotFigures(status, Decimal(on_hand), Decimal(reserved))


def test_a_recalled_lot_is_on_hand_but_not_available():
    figures = stock_figures([lot(AVAILABLE, "4"), lot(BLOCKED, "9", "1")])

    assert (figures.on_hand, figures.reserved) == (Decimal(13), Decimal(1))
    assert (figures.available, figures.blocked) == (Decimal(4), Decimal(8))


def test_a_quarantined_lot_is_not_available_either():
    figures = stock_figures([lot(QUARANTINED, "2"), lot(AVAILABLE, "3", "1")])

    assert (figures.available, figures.blocked) == (Decimal(2), Decimal(2))


def test_no_lots_no_stock():
    figures = stock_figures([])

    assert figures.on_hand == figures.available == figures.blocked == Decimal(0)


def test_a_recall_outranks_a_quarantine():
    assert lot_status(blocked=True, quarantined=True) is BLOCKED
    assert lot_status(blocked=False, quarantined=True) is QUARANTINED
    assert lot_status(blocked=False, quarantined=False) is AVAILABLE
    assert [s for s in LotStatus if s.counts] == [AVAILABLE]


lots = st.lists(
    st.tuples(st.sampled_from(list(LotStatus)), st.integers(0, 1000), st.integers(0, 1000)).map(
        lambda t: LotFigures(t[0], Decimal(t[1] + t[2]), Decimal(t[2]))  # never oversold
    ),
    max_size=8,
)


@given(lots)
def test_on_hand_is_reserved_plus_available_plus_blocked(lots):
    f = stock_figures(lots)

    assert f.on_hand == f.reserved + f.available + f.blocked
    assert f.available == sum((x.on_hand - x.reserved for x in lots if x.status.counts), Decimal(0))
