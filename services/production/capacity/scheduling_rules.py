"""Finite-capacity scheduling: production orders queued on their line, booked day by day.

Pure and deterministic: the same lines, jobs and ``today`` always give the same plan. The plan
books minutes in day buckets (rough-cut capacity), not a minute-by-minute sequence:

- A line's capacity on a day is its override for that date when it has one (0 for a breakdown,
  480 for an overtime Saturday), else its calendar's ``minutes_per_day`` on a working day and
  0 on any other day.
- Each line's jobs are queued by (priority, due date, production order id): the smaller
  priority number first, then the earlier due date (no due date goes after every dated job),
  then the id, so equal jobs still come out in one order on every run.
- In queue order, each job books free minutes of its line from its release day,
  ``max(today, earliest_start)``, so it never starts before its materials arrive. It takes
  each day's free minutes until its duration is booked: a job longer than a day spans days,
  and the minutes it leaves free on its last day go to the next job that can use them.
- A job ahead in the queue never waits for one behind it; a job behind takes only what is left.
  So a job released late leaves the earlier days to the jobs behind it, and a long job may be
  interrupted by a day that a job ahead of it holds, as it is by a breakdown or a holiday.
- ``duration_minutes`` is the work still to do: a job in progress is given what remains.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from uuid import UUID

from services.production.capacity.calendar_rules import WorkingCalendar

ONE_DAY = timedelta(days=1)


class SchedulingError(ValueError):
    """Lines or jobs that cannot describe real production; the message names the culprit."""


@dataclass(frozen=True)
class Line:
    """A production line: its calendar and, for single dates, the minutes it really has."""

    code: str
    calendar: WorkingCalendar
    capacity_minutes_per_day: Mapping[date, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        negative = sorted(d for d, m in self.capacity_minutes_per_day.items() if m < 0)
        if negative:
            raise SchedulingError(f"line {self.code}: negative capacity on {negative}")
        frozen = MappingProxyType(dict(self.capacity_minutes_per_day))
        object.__setattr__(self, "capacity_minutes_per_day", frozen)

    def capacity_on(self, day: date) -> int:
        """The override wins, even on a day the calendar rests; else a full or an empty day."""
        override = self.capacity_minutes_per_day.get(day)
        if override is not None:
            return override
        return self.calendar.minutes_per_day if self.calendar.is_working_day(day) else 0


@dataclass(frozen=True)
class Job:
    """A production order waiting for its line; ``earliest_start`` is when its materials are."""

    production_order_id: UUID
    line: str
    priority: int
    due_on: date | None
    duration_minutes: int
    earliest_start: date

    def __post_init__(self) -> None:
        if self.duration_minutes <= 0:
            raise SchedulingError(
                f"production order {self.production_order_id}: duration must be positive, "
                f"not {self.duration_minutes} minutes"
            )


@dataclass(frozen=True)
class Slot:
    """Where a job landed: first and last day it works, and the minutes it books each day."""

    start_on: date
    end_on: date
    line: str
    minutes_by_day: tuple[tuple[date, int], ...]


def queue_key(job: Job) -> tuple[int, bool, date, UUID]:
    """Priority, then due date (undated last), then id: a total order, so plans are stable."""
    return (job.priority, job.due_on is None, job.due_on or date.min, job.production_order_id)


def schedule(lines: Sequence[Line], jobs: Sequence[Job], *, today: date) -> dict[UUID, Slot]:
    """Every job's slot, each line booked in queue order from each job's release day.

    Lines are independent of one another; the answer holds every job, keyed by its production
    order id.
    """
    by_code = _index_lines(lines)
    _check_jobs(jobs, by_code)
    slots: dict[UUID, Slot] = {}
    for code, line in sorted(by_code.items()):
        booked: dict[date, int] = {}
        for job in sorted((j for j in jobs if j.line == code), key=queue_key):
            slots[job.production_order_id] = _book(line, job, booked, today=today)
    return slots


def load(slots: Iterable[Slot]) -> dict[tuple[str, date], int]:
    """Minutes booked per (line, day): what a day's capacity is checked against."""
    booked: dict[tuple[str, date], int] = {}
    for slot in slots:
        for day, minutes in slot.minutes_by_day:
            booked[slot.line, day] = booked.get((slot.line, day), 0) + minutes
    return booked


def _book(line: Line, job: Job, booked: dict[date, int], *, today: date) -> Slot:
    """Take free minutes day after day from the release day; ``booked`` keeps the line's load.

    Ends: the calendar has a working day every week and overrides are finite.
    """
    day = max(today, job.earliest_start)
    left = job.duration_minutes
    taken: list[tuple[date, int]] = []
    while left > 0:
        free = line.capacity_on(day) - booked.get(day, 0)
        if free > 0:
            minutes = min(free, left)
            booked[day] = booked.get(day, 0) + minutes
            taken.append((day, minutes))
            left -= minutes
        day += ONE_DAY
    return Slot(
        start_on=taken[0][0], end_on=taken[-1][0], line=line.code, minutes_by_day=tuple(taken)
    )


def _index_lines(lines: Sequence[Line]) -> dict[str, Line]:
    by_code: dict[str, Line] = {}
    for line in lines:
        if line.code in by_code:
            raise SchedulingError(f"line {line.code} is given twice")
        by_code[line.code] = line
    return by_code


def _check_jobs(jobs: Sequence[Job], lines: Mapping[str, Line]) -> None:
    seen: set[UUID] = set()
    for job in jobs:
        if job.production_order_id in seen:
            raise SchedulingError(f"production order {job.production_order_id} is queued twice")
        seen.add(job.production_order_id)
        if job.line not in lines:
            raise SchedulingError(
                f"production order {job.production_order_id} is queued on unknown line {job.line}"
            )
