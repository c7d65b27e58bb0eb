"""Working calendars: weekends, national holidays, closures and working-day arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.production.capacity import calendar_rules as working
from services.production.capacity.calendar_rules import CalendarError, WorkingCalendar

ITALY = WorkingCalendar()


def test_saturday_and_sunday_rest_and_weekdays_work():
    friday, saturday, sunday, monday = (date(2026, 11, d) for d in (6, 7, 8, 9))

    assert [ITALY.is_working_day(d) for d in (friday, saturday, sunday, monday)] == [
        True,
        False,
        False,
        True,
    ]


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),
        date(2026, 1, 6),
        date(2026, 4, 6),  # Easter Monday 2026
        date(2027, 3, 29),  # Easter Monday 2027
        date(2026, 4, 25),
        date(2026, 5, 1),
        date(2026, 6, 2),
        date(2025, 8, 15),
        date(2026, 11, 1),
        date(2026, 12, 8),
        date(2025, 12, 25),
        date(2025, 12, 26),
    ],
)
def test_italian_national_holidays_are_not_working_days(holiday):
    assert ITALY.is_holiday(holiday)
    assert not ITALY.is_working_day(holiday)


def test_the_days_around_italian_holidays_work():
    around = [date(2025, 8, 14), date(2026, 6, 1), date(2027, 3, 30), date(2025, 12, 29)]

    assert all(ITALY.is_working_day(d) for d in around)
    assert not ITALY.is_holiday(date(2027, 3, 30))


def test_christmas_and_saint_stephen_are_skipped_when_adding_days():
    christmas_eve = date(2025, 12, 24)  # Wednesday; 25-26 are Thursday and Friday

    assert ITALY.add_working_days(christmas_eve, 1) == date(2025, 12, 29)


def test_ferragosto_is_skipped_when_adding_days():
    assert ITALY.add_working_days(date(2025, 8, 14), 1) == date(2025, 8, 18)


def test_easter_monday_2027_is_skipped_when_adding_days():
    good_friday = date(2027, 3, 26)  # a working day in Italy

    assert ITALY.is_working_day(good_friday)
    assert ITALY.add_working_days(good_friday, 1) == date(2027, 3, 30)


def test_republic_day_is_skipped_when_adding_days():
    assert ITALY.add_working_days(date(2026, 6, 1), 1) == date(2026, 6, 3)


def test_adding_zero_keeps_a_working_day_and_rolls_a_rest_day_forward():
    saturday = date(2026, 11, 7)

    assert ITALY.add_working_days(date(2026, 11, 6), 0) == date(2026, 11, 6)
    assert ITALY.add_working_days(saturday, 0) == date(2026, 11, 9)
    assert ITALY.add_working_days(saturday, 1) == date(2026, 11, 10)


def test_a_negative_number_of_days_is_refused():
    with pytest.raises(CalendarError):
        ITALY.add_working_days(date(2026, 11, 6), -1)


def test_next_working_day_includes_today_only_when_asked():
    monday, friday = date(2026, 11, 9), date(2026, 11, 6)

    assert ITALY.next_working_day(monday) == date(2026, 11, 10)
    assert ITALY.next_working_day(monday, include_today=True) == monday
    assert ITALY.next_working_day(friday) == monday
    assert ITALY.next_working_day(date(2026, 11, 7), include_today=True) == monday


def test_working_days_between_counts_from_start_up_to_end():
    monday = date(2026, 11, 9)

    assert ITALY.working_days_between(monday, monday) == 0
    assert ITALY.working_days_between(monday, monday + timedelta(days=7)) == 5
    assert ITALY.working_days_between(date(2025, 12, 22), date(2026, 1, 7)) == 8
    assert ITALY.working_days_between(monday + timedelta(days=7), monday) == -5


def test_closures_are_days_off_even_on_weekdays():
    summer = WorkingCalendar(
        closures=frozenset(date(2026, 8, 10) + timedelta(days=i) for i in range(12))
    )

    assert not summer.is_working_day(date(2026, 8, 12))
    assert summer.add_working_days(date(2026, 8, 7), 1) == date(2026, 8, 24)
    assert summer.working_days_between(date(2026, 8, 3), date(2026, 8, 31)) == 10


def test_extra_working_days_open_a_saturday_and_a_holiday():
    saturday, holiday = date(2026, 11, 7), date(2026, 12, 8)
    busy = WorkingCalendar(extra_working_days=frozenset({saturday, holiday}))

    assert busy.is_working_day(saturday)
    assert busy.is_working_day(holiday)
    assert busy.add_working_days(date(2026, 11, 6), 1) == saturday


def test_working_weekdays_and_hours_are_configurable():
    six_days = WorkingCalendar(working_weekdays=frozenset(range(6)), hours_per_day=Decimal("7.5"))

    assert six_days.is_working_day(date(2026, 11, 7))
    assert six_days.minutes_per_day == 450


def test_the_country_decides_the_national_holidays():
    germany = WorkingCalendar(country="DE")
    unity_day, ferragosto = date(2025, 10, 3), date(2025, 8, 15)

    assert not germany.is_working_day(unity_day)
    assert ITALY.is_working_day(unity_day)
    assert germany.is_working_day(ferragosto)


def test_a_subdivision_adds_its_own_holidays():
    rome = WorkingCalendar(subdivision="RM")
    saints_peter_and_paul = date(2026, 6, 29)

    assert not rome.is_working_day(saints_peter_and_paul)
    assert ITALY.is_working_day(saints_peter_and_paul)


def test_holidays_are_asked_in_the_country_language_never_the_locale(monkeypatch):
    asked: list[str | None] = []
    real = holidays.country_holidays

    def spy(*args, **kwargs):
        asked.append(kwargs.get("language"))
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", spy)
    monkeypatch.setenv("LANGUAGE", "de_DE.UTF-8")
    working._public_holidays.cache_clear()

    assert date(2026, 12, 25) in WorkingCalendar(country="IT").holidays_of(2026)
    assert date(2026, 7, 4) in WorkingCalendar(country="US").holidays_of(2026)
    assert set(asked) == {"it_IT", "en_US"}


def test_holidays_are_computed_for_the_years_asked_only_and_once():
    working._public_holidays.cache_clear()

    ITALY.is_working_day(date(2031, 5, 1))
    ITALY.add_working_days(date(2031, 5, 2), 3)

    info = working._public_holidays.cache_info()
    assert (info.currsize, info.misses) == (1, 1)


@pytest.mark.parametrize(
    "arguments",
    [
        {"country": "XX"},
        {"subdivision": "ZZ"},
        {"working_weekdays": frozenset()},
        {"working_weekdays": frozenset({7})},
        {"hours_per_day": Decimal(0)},
        {"hours_per_day": Decimal(25)},
        {"hours_per_day": Decimal("7.999")},
        {
            "closures": frozenset({date(2026, 1, 2)}),
            "extra_working_days": frozenset({date(2026, 1, 2)}),
        },
    ],
)
def test_a_calendar_that_cannot_describe_a_site_is_refused(arguments):
    with pytest.raises(CalendarError):
        WorkingCalendar(**arguments)


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(day=days, n=st.integers(min_value=0, max_value=40))
def test_working_days_between_undoes_add_working_days(day, n):
    later = ITALY.add_working_days(day, n)

    assert ITALY.is_working_day(later)
    assert ITALY.working_days_between(day, later) == n
    assert later == ITALY.add_working_days(ITALY.add_working_days(day, 0), n)


@given(start=days, end=days)
def test_working_days_between_is_antisymmetric(start, end):
    assert ITALY.working_days_between(start, end) == -ITALY.working_days_between(end, start)
