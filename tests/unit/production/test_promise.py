"""Delivery-date promises: stock, materials, capacity, production, handling and transit."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.capacity.scheduling_rules import Job, Line
from services.production.promise.date_rules import (
    LineNeed,
    LinePromise,
    Material,
    Production,
    PromiseError,
    Term,
    arrival,
    line_promise,
    order_promise,
    promise_lines,
    slipped,
)

ITALY = WorkingCalendar()
MIXER = Line("MIXER", ITALY)
MONDAY = date(2026, 11, 9)
DAY = 480


def on(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def making(n: int, minutes: int, *, priority: int = 5) -> Production:
    return Production(UUID(int=n), "MIXER", minutes, priority)


def need(
    line_no: int = 1,
    *,
    in_stock: bool = False,
    materials: tuple[Material, ...] = (),
    production: Production | None = None,
    handling_days: int = 1,
    transit_days: int = 2,
) -> LineNeed:
    return LineNeed(line_no, in_stock, handling_days, transit_days, materials, production)


def booked(n: int, minutes: int, *, priority: int = 1) -> Job:
    return Job(UUID(int=n), "MIXER", priority, None, minutes, MONDAY)


def promise(the_need: LineNeed, *, lines=(MIXER,), planned=(), today=MONDAY) -> LinePromise:
    return line_promise(the_need, today=today, calendar=ITALY, lines=lines, planned=planned)


def steps(p: LinePromise) -> list[tuple[str, int]]:
    return [(t.kind, t.days) for t in p.breakdown]


def test_stock_on_hand_short_circuits_materials_and_production():
    in_stock = need(
        in_stock=True,
        materials=(Material("FLOUR-00", lead_time_days=10),),
        production=making(1, 4 * DAY),
    )

    result = promise(in_stock, lines=())

    assert result.promised_on == on(3)
    assert result.dominant == "stock"
    assert steps(result) == [("stock", 0), ("handling", 1), ("transit", 2)]
    assert result.slot is None


def test_a_material_with_a_ten_day_lead_time_dominates():
    short = need(
        materials=(
            Material("SUGAR", lead_time_days=3),
            Material("FLOUR-00", lead_time_days=10),
        ),
        production=making(1, 240),
    )

    result = promise(short)

    assert result.dominant == "material FLOUR-00 (10 days)"
    assert [a.arrives_on for a in result.arrivals] == [on(3), date(2026, 11, 23)]
    assert result.slot is not None and result.slot.start_on == date(2026, 11, 23)
    assert steps(result) == [("material", 10), ("production", 0), ("handling", 1), ("transit", 2)]
    assert result.promised_on == date(2026, 11, 26)


def test_an_open_purchase_order_arriving_sooner_beats_the_lead_time():
    flour = Material("FLOUR-00", lead_time_days=10, expected_on=on(3))

    got = arrival(flour, today=MONDAY, calendar=ITALY)

    assert (got.arrives_on, got.label) == (
        on(3),
        "material FLOUR-00 (purchase order due 2026-11-12)",
    )


def test_a_late_purchase_order_is_expected_the_next_working_day():
    got = arrival(Material("FLOUR-00", expected_on=on(-7)), today=MONDAY, calendar=ITALY)

    assert got.arrives_on == on(1)
    assert got.label == f"material FLOUR-00 (purchase order due {on(-7)}, late)"
    friday = on(4)
    late = arrival(Material("FLOUR-00", expected_on=on(-7)), today=friday, calendar=ITALY)
    assert late.arrives_on == on(7)  # the weekend is skipped


def test_a_purchase_order_due_today_arrives_today():
    got = arrival(Material("FLOUR-00", expected_on=MONDAY), today=MONDAY, calendar=ITALY)

    assert got.arrives_on == MONDAY


def test_a_line_full_for_three_days_pushes_the_date():
    full = [booked(n, DAY) for n in (1, 2, 3)]
    free = need(production=making(9, 240))

    result = promise(free, planned=full)

    assert result.dominant == "line MIXER busy until 2026-11-11"
    assert steps(result) == [("capacity", 3), ("production", 0), ("handling", 1), ("transit", 2)]
    assert result.promised_on == date(2026, 11, 17)
    assert promise(free).promised_on == on(3)


def test_a_breakdown_of_two_days_slips_the_promise():
    two_days = need(production=making(1, 2 * DAY))
    broken = Line("MIXER", ITALY, {on(0): 0, on(1): 0})

    before = promise(two_days)
    after = promise(two_days, lines=(broken,))

    assert before.promised_on == on(4)
    assert after.promised_on == date(2026, 11, 17)
    assert after.dominant == "line MIXER down until 2026-11-10"
    assert slipped(before.promised_on, after.promised_on)


def test_with_nothing_to_wait_for_production_dominates():
    result = promise(need(production=making(1, 240)))

    assert result.dominant == "production on MIXER (1 day)"
    assert result.promised_on == on(3)


def test_a_bought_item_waits_for_its_purchase_and_is_not_made():
    bought = need(materials=(Material("OLIVE-OIL-TIN", lead_time_days=3),), transit_days=1)

    result = promise(bought, lines=())

    assert steps(result) == [("material", 3), ("handling", 1), ("transit", 1)]
    assert result.promised_on == date(2026, 11, 16)


def test_handling_and_transit_skip_christmas():
    christmas_eve = date(2025, 12, 24)

    result = promise(need(in_stock=True, handling_days=0), today=christmas_eve)

    assert result.promised_on == date(2025, 12, 30)


def test_lines_of_one_order_compete_for_the_line_and_the_latest_sets_the_order_date():
    needs = [need(1, production=making(1, DAY)), need(2, production=making(2, DAY))]

    lines = promise_lines(needs, today=MONDAY, calendar=ITALY, lines=[MIXER])
    whole = order_promise(lines, per_line=False)
    partial = order_promise(lines, per_line=True)

    assert (lines[1].promised_on, lines[2].promised_on) == (on(3), on(4))
    assert (whole.promised_on, whole.dominant_line) == (on(4), 2)
    assert whole.dominant == "line MIXER busy until 2026-11-09"
    assert dict(whole.line_dates) == {1: on(4), 2: on(4)}
    assert dict(partial.line_dates) == {1: on(3), 2: on(4)}
    assert partial.promised_on == on(4)


def test_promising_an_order_again_does_not_book_its_production_twice():
    already_planned = booked(7, DAY, priority=5)

    result = promise(need(production=making(7, DAY)), planned=[already_planned])

    assert result.slot is not None and result.slot.start_on == MONDAY


def test_a_promise_slips_only_when_the_new_date_is_later():
    assert slipped(on(3), on(4))
    assert not slipped(on(4), on(4))
    assert not slipped(on(4), on(3))
    assert not slipped(None, on(4))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Material("FLOUR-00"),
        lambda: Material("FLOUR-00", lead_time_days=-1),
        lambda: need(),
        lambda: need(in_stock=True, handling_days=-1),
    ],
)
def test_a_need_that_cannot_be_promised_is_refused(build):
    with pytest.raises(PromiseError):
        build()


def test_an_order_line_given_twice_or_an_empty_order_is_refused():
    with pytest.raises(PromiseError):
        promise_lines([need(in_stock=True), need(in_stock=True)], today=MONDAY, calendar=ITALY)
    with pytest.raises(PromiseError):
        order_promise({}, per_line=False)


@given(
    lead_times=st.lists(st.integers(min_value=0, max_value=15), max_size=3),
    load=st.integers(min_value=0, max_value=6 * DAY),
    minutes=st.integers(min_value=1, max_value=3 * DAY),
    handling=st.integers(min_value=0, max_value=3),
    transit=st.integers(min_value=0, max_value=5),
    today=st.integers(min_value=0, max_value=60).map(on),
)
def test_the_terms_add_up_to_the_whole_wait(lead_times, load, minutes, handling, transit, today):
    materials = tuple(Material(f"M{i}", lead_time_days=d) for i, d in enumerate(lead_times))
    planned = [Job(UUID(int=1), "MIXER", 1, None, load, today)] if load else []
    the_need = need(
        materials=materials,
        production=making(2, minutes),
        handling_days=handling,
        transit_days=transit,
    )

    result = promise(the_need, planned=planned, today=today)

    done = [t.done_on for t in result.breakdown]
    assert done == sorted(done)
    assert sum(t.days for t in result.breakdown) == ITALY.working_days_between(
        today, result.promised_on
    )
    supply = {t.label for t in result.breakdown if t.kind in {"material", "capacity", "production"}}
    assert result.dominant in supply
    assert all(isinstance(t, Term) and t.days >= 0 for t in result.breakdown)
