"""Working calendars: which days a site works, so every promised date counts real working days.

Pure and deterministic. National holidays come from the ``holidays`` library (pinned in
requirements.txt), computed one year at a time when a date of that year is first asked about,
and cached per (country, subdivision, year). Holiday names are never used, and the library is
always given the country's own language, so the process locale plays no part.

Conventions, shared by every function here:

- A day is working when it is one of ``extra_working_days``; otherwise when its weekday is in
  ``working_weekdays`` and it is neither a public holiday nor one of ``closures``.
- ``add_working_days(day, n)`` first rolls a non-working ``day`` forward to the next working
  day (an order placed on a Saturday is handled on Monday), then steps ``n`` working days on.
  So ``n = 0`` answers ``day`` itself when it works, else the next working day.
- ``working_days_between(start, end)`` counts the working days in ``[start, end)``: it is the
  inverse of ``add_working_days``, ``working_days_between(d, add_working_days(d, n)) == n`` for
  every ``d``, and it is negative when ``end`` comes before ``start``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import cast

import holidays

ONE_DAY = timedelta(days=1)
MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})


class CalendarError(ValueError):
    """A calendar that cannot describe a real site; the message names what is wrong."""


@dataclass(frozen=True)
class WorkingCalendar:
    """The days a site works: weekdays, less national holidays and closures, plus extra days.

    ``working_weekdays`` uses ``date.weekday()`` numbers (Monday is 0). ``closures`` are the
    site's own days off (summer shutdown, inventory day); ``extra_working_days`` are days it
    works although the weekday or a holiday says otherwise. A date in both is refused.
    """

    country: str = "IT"
    subdivision: str | None = None
    working_weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    hours_per_day: Decimal = Decimal(8)
    closures: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.working_weekdays:
            raise CalendarError("a calendar needs at least one working weekday")
        if not self.working_weekdays <= frozenset(range(7)):
            raise CalendarError(
                f"working weekdays run from 0 (Monday) to 6, not {sorted(self.working_weekdays)}"
            )
        if not 0 < self.hours_per_day <= 24:
            raise CalendarError(f"hours per day must be in (0, 24], not {self.hours_per_day}")
        if self.hours_per_day * 60 != int(self.hours_per_day * 60):
            raise CalendarError(
                f"{self.hours_per_day} hours per day is not a whole number of minutes"
            )
        both = sorted(self.closures & self.extra_working_days)
        if both:
            raise CalendarError(f"closed and working on the same days: {both}")
        _check_region(self.country, self.subdivision)

    @property
    def minutes_per_day(self) -> int:
        """A working day's length in minutes: the unit capacity is planned in."""
        return int(self.hours_per_day * 60)

    def holidays_of(self, year: int) -> frozenset[date]:
        """The public holidays of one year where the site is, whatever weekday they fall on."""
        return _public_holidays(self.country, self.subdivision, year)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays_of(day.year)

    def is_working_day(self, day: date) -> bool:
        """Extra working days win; otherwise the weekday must work and no holiday or closure."""
        if day in self.extra_working_days:
            return True
        return (
            day.weekday() in self.working_weekdays
            and day not in self.closures
            and not self.is_holiday(day)
        )

    def next_working_day(self, day: date, *, include_today: bool = False) -> date:
        """The first working day after ``day``, or ``day`` itself if it works and is included."""
        candidate = day if include_today else day + ONE_DAY
        while not self.is_working_day(candidate):
            candidate += ONE_DAY
        return candidate

    def add_working_days(self, day: date, n: int) -> date:
        """``day`` rolled forward to a working day, then ``n`` working days later."""
        if n < 0:
            raise CalendarError(f"cannot add a negative number of working days: {n}")
        result = self.next_working_day(day, include_today=True)
        for _ in range(n):
            result = self.next_working_day(result)
        return result

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``[start, end)``; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        days = (start + timedelta(days=i) for i in range((end - start).days))
        return sum(1 for day in days if self.is_working_day(day))


def _language(country: str) -> str | None:
    """The country's own language, so the library never picks one from the locale.

    Only holiday names depend on it, never dates; countries without translations answer None.
    """
    if country not in holidays.list_supported_countries():
        raise CalendarError(f"no national holidays are known for country {country!r}")
    return cast("str | None", getattr(holidays, country).default_language)


@cache
def _check_region(country: str, subdivision: str | None) -> None:
    """Refuse an unknown country or subdivision when the calendar is made, not mid-plan."""
    try:
        holidays.country_holidays(
            country, subdiv=subdivision, years=(), language=_language(country)
        )
    except NotImplementedError as error:
        raise CalendarError(f"{country}/{subdivision}: {error}") from None


@cache
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """One year's public holidays, observed days included, computed once per process."""
    table = holidays.country_holidays(
        country, subdiv=subdivision, years=year, language=_language(country)
    )
    return frozenset(table)
