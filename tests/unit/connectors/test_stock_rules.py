"""What a shop may sell, when a change is pushed (debounce), and drift."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.connectors.stock_push.stock_rules import (
    LotStock,
    SyncState,
    available_to_sell,
    drift,
    due_at,
    is_check_due,
    is_due,
    next_turn_in,
    sync_state,
)
from shared.contracts.inventory import LotStatus
from shared.polling import SHORTEST_PAUSE

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def lot(on_hand: str, reserved: str = "0", expires: date | None = None) -> LotStock:
    return LotStock(Decimal(on_hand), Decimal(reserved), expires)


def test_available_is_on_hand_minus_reserved_over_unexpired_lots_in_whole_units():
    lots = [lot("10", "3"), lot("5", "0", TODAY - timedelta(days=1)), lot("2.5", "0", TODAY)]

    assert available_to_sell(lots, today=TODAY) == 9  # 7 + 2.5, rounded down


def test_a_recalled_or_quarantined_lot_is_sold_nowhere():
    lots = [
        lot("10", "3"),
        LotStock(Decimal(6), Decimal(0), None, LotStatus.BLOCKED),
        LotStock(Decimal(2), Decimal(0), None, LotStatus.QUARANTINED),
    ]

    assert available_to_sell(lots, today=TODAY) == 7


@given(
    st.lists(
        st.tuples(st.integers(0, 100), st.integers(0, 100), st.sampled_from(list(LotStatus))),
        max_size=10,
    )
)
def test_blocking_a_lot_never_raises_what_a_shop_may_sell(rows):
    lots = [LotStock(Decimal(o), Decimal(r), None, status) for o, r, status in rows]
    blocked = [LotStock(x.on_hand, x.reserved, None, LotStatus.BLOCKED) for x in lots[:1]]

    after = available_to_sell([*blocked, *lots[1:]], today=TODAY)

    assert after <= available_to_sell(lots, today=TODAY)


def test_an_over_reserved_lot_does_not_eat_another_lots_stock():
    assert available_to_sell([lot("2", "5"), lot("4")], today=TODAY) == 4


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), max_size=10))
def test_available_is_never_negative_nor_more_than_on_hand(pairs):
    lots = [lot(str(on_hand), str(reserved)) for on_hand, reserved in pairs]

    available = available_to_sell(lots, today=TODAY)

    assert 0 <= available <= sum(on_hand for on_hand, _ in pairs)


def test_a_change_waits_until_the_value_has_been_still_for_the_debounce():
    settings = {"debounce": 2 * SECOND, "max_delay": 30 * SECOND}
    first_change = NOW - 10 * SECOND

    assert not is_due(changed_at=NOW - SECOND, pending_since=first_change, now=NOW, **settings)
    assert is_due(changed_at=NOW - 2 * SECOND, pending_since=first_change, now=NOW, **settings)


def test_a_steady_trickle_of_changes_is_pushed_after_the_maximum_delay():
    settings = {"debounce": 2 * SECOND, "max_delay": 30 * SECOND}

    assert is_due(changed_at=NOW, pending_since=NOW - 30 * SECOND, now=NOW, **settings)


def test_nothing_pending_is_never_due():
    assert not is_due(
        changed_at=NOW - 60 * SECOND, pending_since=None, now=NOW, debounce=SECOND, max_delay=SECOND
    )


@given(
    st.lists(
        st.tuples(st.integers(-120, 120), st.integers(0, 120)).map(
            lambda t: (NOW + t[0] * SECOND, NOW + (t[0] - t[1]) * SECOND)
        ),
        min_size=1,
        max_size=8,
    ),
    st.integers(0, 60),
    st.integers(0, 120),
)
def test_the_next_turn_is_when_the_first_pending_row_falls_due(rows, debounce, max_delay):
    """The worker only knows the earliest change and earliest first-pending change over the
    rows; the turn it plans is exactly when the first row is due (the mins commute)."""
    settings = {"debounce": debounce * SECOND, "max_delay": max_delay * SECOND}
    first_due = min(due_at(changed_at=c, pending_since=p, **settings) or NOW for c, p in rows)

    wait = next_turn_in(
        now=NOW,
        earliest_change=min(c for c, _ in rows),
        earliest_pending=min(p for _, p in rows),
        earliest_check=None,
        next_lease_end=None,
        reconcile_interval=900 * SECOND,
        **settings,
    )

    assert wait == max(first_due - NOW, SHORTEST_PAUSE).total_seconds()
    for c, p in rows:  # no row is due before the planned turn
        assert not is_due(changed_at=c, pending_since=p, now=first_due - SECOND / 10, **settings)


def test_the_next_turn_waits_for_a_check_or_a_lease_and_nothing_means_none():
    def wait(check: datetime | None, lease_end: datetime | None) -> float | None:
        return next_turn_in(
            now=NOW,
            earliest_change=None,
            earliest_pending=None,
            earliest_check=check,
            next_lease_end=lease_end,
            debounce=SECOND,
            max_delay=SECOND,
            reconcile_interval=900 * SECOND,
        )

    assert wait(None, None) is None
    assert wait(NOW - 800 * SECOND, None) == 100.0
    assert wait(NOW - 800 * SECOND, NOW + 30 * SECOND) == 30.0
    # due already: soon, never a spin
    assert wait(NOW - 2000 * SECOND, None) == SHORTEST_PAUSE.total_seconds()


def test_a_row_is_read_back_once_the_reconciliation_interval_has_passed():
    interval = 900 * SECOND
    assert is_check_due(checked_at=None, now=NOW, interval=interval)
    assert not is_check_due(checked_at=NOW - 899 * SECOND, now=NOW, interval=interval)
    assert is_check_due(checked_at=NOW - 900 * SECOND, now=NOW, interval=interval)


def test_states_and_drift():
    def state(intended: int, pushed: int | None, reported: int | None, **kw: bool) -> SyncState:
        flags = {"pending": False, "failing": False, **kw}
        return sync_state(intended=intended, pushed=pushed, reported=reported, **flags)

    assert state(5, 5, 5) is SyncState.IN_SYNC
    assert state(5, 5, 7) is SyncState.DRIFT
    assert state(5, 4, 4) is SyncState.PENDING
    assert state(5, 5, 5, pending=True) is SyncState.PENDING
    assert state(5, 5, 5, failing=True) is SyncState.FAILING
    assert drift(intended=5, reported=7) == 2
    assert drift(intended=5, reported=None) is None
