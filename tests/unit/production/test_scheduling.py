"""Finite-capacity scheduling: queue order, capacity per day, materials, breakdowns."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.capacity.scheduling_rules import (
    Job,
    Line,
    SchedulingError,
    Slot,
    load,
    queue_key,
    schedule,
)

ITALY = WorkingCalendar()
MIXER = Line("MIXER", ITALY)
MONDAY = date(2026, 11, 9)
DAY = 480  # minutes in an eight-hour working day


def on(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def job(
    n: int,
    minutes: int,
    *,
    priority: int = 5,
    due_on: date | None = None,
    earliest_start: date = MONDAY,
    line: str = "MIXER",
) -> Job:
    return Job(
        production_order_id=UUID(int=n),
        line=line,
        priority=priority,
        due_on=due_on,
        duration_minutes=minutes,
        earliest_start=earliest_start,
    )


def days_of(slot: Slot) -> tuple[date, date]:
    return slot.start_on, slot.end_on


def test_a_job_longer_than_a_day_spans_days_and_the_next_job_uses_what_is_left():
    long, short = job(1, 600, priority=1), job(2, 300, priority=2)

    slots = schedule([MIXER], [short, long], today=MONDAY)

    assert slots[long.production_order_id] == Slot(
        on(0), on(1), "MIXER", ((on(0), DAY), (on(1), 120))
    )
    assert slots[short.production_order_id] == Slot(on(1), on(1), "MIXER", ((on(1), 300),))


def test_the_queue_goes_by_priority_then_due_date_then_id():
    urgent_undated = job(1, DAY, priority=1)
    due_soon = job(2, DAY, priority=2, due_on=on(1))
    due_later = job(3, DAY, priority=2, due_on=on(10))
    undated_low_id = job(4, DAY, priority=2)
    undated_high_id = job(5, DAY, priority=2)
    jobs = [undated_high_id, due_later, undated_low_id, due_soon, urgent_undated]

    slots = schedule([MIXER], jobs, today=MONDAY)

    assert [slots[UUID(int=n)].start_on for n in (1, 2, 3, 4, 5)] == [on(d) for d in range(5)]
    assert sorted(jobs, key=queue_key) == [
        urgent_undated,
        due_soon,
        due_later,
        undated_low_id,
        undated_high_id,
    ]


def test_a_job_never_starts_before_its_materials_and_leaves_the_free_days_to_others():
    waiting = job(1, DAY, priority=1, earliest_start=on(2))
    ready = job(2, 2 * DAY, priority=2)

    slots = schedule([MIXER], [waiting, ready], today=MONDAY)

    assert days_of(slots[waiting.production_order_id]) == (on(2), on(2))
    assert days_of(slots[ready.production_order_id]) == (on(0), on(1))


def test_a_job_whose_materials_came_in_the_past_starts_today():
    slots = schedule([MIXER], [job(1, 60, earliest_start=on(-10))], today=on(1))

    assert days_of(slots[UUID(int=1)]) == (on(1), on(1))


def test_a_line_full_for_three_days_pushes_the_next_job_to_the_fourth():
    booked = [job(n, DAY, priority=1) for n in (1, 2, 3)]
    new = job(9, 60, priority=2)

    slots = schedule([MIXER], [*booked, new], today=MONDAY)

    assert days_of(slots[new.production_order_id]) == (on(3), on(3))


def test_a_breakdown_of_two_days_slips_the_job_by_two_working_days():
    work = job(1, 2 * DAY)
    broken = Line("MIXER", ITALY, {on(0): 0, on(1): 0})

    before = schedule([MIXER], [work], today=MONDAY)[work.production_order_id]
    after = schedule([broken], [work], today=MONDAY)[work.production_order_id]

    assert days_of(before) == (on(0), on(1))
    assert days_of(after) == (on(2), on(3))


def test_a_job_is_interrupted_by_a_breakdown_and_by_holidays():
    broken = Line("MIXER", ITALY, {date(2025, 12, 23): 0})
    work = job(1, 3 * DAY, earliest_start=date(2025, 12, 22))

    slot = schedule([broken], [work], today=date(2025, 12, 22))[work.production_order_id]

    assert [d for d, _ in slot.minutes_by_day] == [
        date(2025, 12, 22),
        date(2025, 12, 24),
        date(2025, 12, 29),
    ]


def test_an_overtime_saturday_adds_capacity_the_calendar_does_not_have():
    overtime = Line("MIXER", ITALY, {on(5): 240})
    work = job(1, 5 * DAY + 200)

    slot = schedule([overtime], [work], today=MONDAY)[work.production_order_id]

    assert slot.end_on == on(5)
    assert slot.minutes_by_day[-1] == (on(5), 200)


def test_shorter_days_hold_fewer_minutes():
    half_days = Line("MIXER", WorkingCalendar(hours_per_day=Decimal(4)))

    slot = schedule([half_days], [job(1, DAY)], today=MONDAY)[UUID(int=1)]

    assert days_of(slot) == (on(0), on(1))


def test_lines_are_booked_independently():
    oven = Line("OVEN", ITALY)
    jobs = [job(1, DAY, priority=1), job(2, DAY, priority=2, line="OVEN")]

    slots = schedule([MIXER, oven], jobs, today=MONDAY)

    assert slots[UUID(int=2)] == Slot(on(0), on(0), "OVEN", ((on(0), DAY),))


@pytest.mark.parametrize(
    ("lines", "jobs"),
    [
        ([MIXER], [job(1, 60, line="OVEN")]),
        ([MIXER], [job(1, 60), job(1, 30)]),
        ([MIXER, Line("MIXER", ITALY)], [job(1, 60)]),
    ],
)
def test_plans_that_cannot_be_real_are_refused(lines, jobs):
    with pytest.raises(SchedulingError):
        schedule(lines, jobs, today=MONDAY)


def test_nonsense_durations_and_capacities_are_refused():
    with pytest.raises(SchedulingError):
        job(1, 0)
    with pytest.raises(SchedulingError):
        Line("MIXER", ITALY, {MONDAY: -1})


def test_a_line_keeps_its_own_copy_of_the_overrides():
    overrides = {MONDAY: 0}
    line = Line("MIXER", ITALY, overrides)

    overrides[MONDAY] = DAY

    assert line.capacity_on(MONDAY) == 0


CODES = ("MIXER", "OVEN", "PACKER")


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[Line], list[Job], date]:
    today = on(draw(st.integers(min_value=0, max_value=6)))
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))
    overrides = st.dictionaries(
        st.integers(min_value=0, max_value=25).map(lambda k: today + timedelta(days=k)),
        st.integers(min_value=0, max_value=600),
        max_size=6,
    )
    lines = [Line(code, ITALY, draw(overrides)) for code in codes]
    specs = st.tuples(
        st.sampled_from(codes),
        st.integers(min_value=0, max_value=3),
        st.none() | st.integers(min_value=0, max_value=30).map(on),
        st.integers(min_value=1, max_value=1500),
        st.integers(min_value=-5, max_value=20).map(lambda k: today + timedelta(days=k)),
    )
    jobs = [
        Job(UUID(int=i), code, priority, due_on, minutes, earliest)
        for i, (code, priority, due_on, minutes, earliest) in enumerate(
            draw(st.lists(specs, min_size=1, max_size=10))
        )
    ]
    return lines, draw(st.permutations(jobs)), today


@given(plans())
def test_no_job_starts_before_its_materials_and_no_day_is_overbooked(plan):
    lines, jobs, today = plan

    slots = schedule(lines, jobs, today=today)

    for j in jobs:
        slot = slots[j.production_order_id]
        assert slot.start_on >= max(today, j.earliest_start)
        assert sum(m for _, m in slot.minutes_by_day) == j.duration_minutes
        assert all(m > 0 for _, m in slot.minutes_by_day)
        assert (slot.start_on, slot.end_on) == (
            slot.minutes_by_day[0][0],
            slot.minutes_by_day[-1][0],
        )
    capacity = {line.code: line for line in lines}
    for (code, day), used in load(slots.values()).items():
        assert used <= capacity[code].capacity_on(day)


@given(plans())
def test_the_plan_does_not_depend_on_input_order_and_a_job_never_waits_for_one_behind(plan):
    lines, jobs, today = plan
    last = max(jobs, key=queue_key)

    slots = schedule(lines, jobs, today=today)
    reordered = schedule(lines, sorted(jobs, key=queue_key), today=today)
    without_last = schedule(lines, [j for j in jobs if j != last], today=today)

    assert slots == reordered
    assert without_last == {k: v for k, v in slots.items() if k != last.production_order_id}
