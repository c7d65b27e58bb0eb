"""Delivery-date promises: the earliest working day an order line can reach the customer.

Pure and deterministic. A line in stock ships after handling; any other line waits for its
latest short material, then for a slot on its production line, then for production itself,
then handling, then carrier transit. Every step counts working days of the site's calendar.

Conventions:

- Dates are "by the end of that day": a material arrives on its day and production may use it
  the same day; goods made on ``end_on`` ship the same day when handling takes 0 days.
- A material arrives after its supplier lead time (``add_working_days(today, n)``) or on its
  open purchase order's expected date, whichever is earlier. A late purchase order (its date
  passed, the goods not received) is expected on the next working day after today: it is not
  here today, and each day it stays away the promise moves a day (``LATE_PURCHASE_GRACE_DAYS``).
- Each term's ``days`` are the working days from the previous term's date to its own
  (``working_days_between``), starting from today; so the days add up to the whole wait.
- The dominant term is the supply step adding the most days (stock, material, capacity,
  production), earlier on a tie; handling and transit are the same on every route, so they
  explain nothing. With no step adding a day, production (or the material) dominates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from types import MappingProxyType
from typing import Literal
from uuid import UUID

from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.capacity.scheduling_rules import Job, Line, Slot, schedule

TermKind = Literal["stock", "material", "capacity", "production", "handling", "transit"]
SUPPLY: frozenset[TermKind] = frozenset({"stock", "material", "capacity", "production"})
# A late purchase order is expected this many working days after today.
LATE_PURCHASE_GRACE_DAYS = 1


class PromiseError(ValueError):
    """A line whose promise cannot be worked out from what was given; names what is missing."""


@dataclass(frozen=True)
class Material:
    """A short material and the ways it can come: a supplier lead time, an open purchase order."""

    item_code: str
    lead_time_days: int | None = None
    expected_on: date | None = None

    def __post_init__(self) -> None:
        if self.lead_time_days is None and self.expected_on is None:
            raise PromiseError(f"material {self.item_code}: no lead time and no purchase order")
        if self.lead_time_days is not None and self.lead_time_days < 0:
            raise PromiseError(f"material {self.item_code}: negative lead time")


@dataclass(frozen=True)
class Production:
    """The production order that will make the line, and the queue position it asks for."""

    production_order_id: UUID
    line: str
    duration_minutes: int
    priority: int
    due_on: date | None = None


@dataclass(frozen=True)
class LineNeed:
    """What delivering one order line takes: stock, or materials and (for made items) a line."""

    line_no: int
    in_stock: bool
    handling_days: int
    transit_days: int
    materials: tuple[Material, ...] = ()
    production: Production | None = None

    def __post_init__(self) -> None:
        if self.handling_days < 0 or self.transit_days < 0:
            raise PromiseError(f"line {self.line_no}: handling and transit days cannot be negative")
        if not self.in_stock and not self.materials and self.production is None:
            raise PromiseError(f"line {self.line_no}: not in stock, and nothing would bring it")


@dataclass(frozen=True)
class Arrival:
    """When one short material is here, and why then."""

    item_code: str
    arrives_on: date
    label: str


@dataclass(frozen=True)
class Term:
    """One step of a promise: the working day it is done by, and the working days it adds."""

    kind: TermKind
    label: str
    done_on: date
    days: int


@dataclass(frozen=True)
class LinePromise:
    """A line's date, the step that sets it, and every step, in order."""

    promised_on: date
    dominant: str
    breakdown: tuple[Term, ...]
    arrivals: tuple[Arrival, ...] = ()
    slot: Slot | None = None


@dataclass(frozen=True)
class OrderPromise:
    """The order's date is its latest line's; ``line_dates`` is what each line is promised."""

    promised_on: date
    dominant: str
    dominant_line: int
    line_dates: Mapping[int, date] = field(hash=False)


def arrival(material: Material, *, today: date, calendar: WorkingCalendar) -> Arrival:
    """The earlier of a new purchase (lead time) and an open purchase order; a tie: the order."""
    options: list[tuple[date, int, str]] = []
    if material.expected_on is not None:
        due = material.expected_on.isoformat()
        if material.expected_on < today:
            late = calendar.add_working_days(today, LATE_PURCHASE_GRACE_DAYS)
            options.append((late, 0, f"purchase order due {due}, late"))
        else:
            options.append((material.expected_on, 0, f"purchase order due {due}"))
    if material.lead_time_days is not None:
        on = calendar.add_working_days(today, material.lead_time_days)
        options.append((on, 1, _days(material.lead_time_days)))
    on, _, why = min(options)
    return Arrival(material.item_code, on, f"material {material.item_code} ({why})")


def promise_lines(
    needs: Sequence[LineNeed],
    *,
    today: date,
    calendar: WorkingCalendar,
    lines: Sequence[Line] = (),
    planned: Sequence[Job] = (),
) -> dict[int, LinePromise]:
    """Capable to promise: each line's date, its production queued among ``planned`` jobs.

    The needs' production orders are scheduled together with ``planned``, so lines of one
    order compete for capacity as they will; a planned job with the id of a need's production
    order is replaced by it, so promising an order again never books its production twice.
    """
    if len({n.line_no for n in needs}) != len(needs):
        raise PromiseError("an order line is given twice")
    arrivals = {
        n.line_no: tuple(arrival(m, today=today, calendar=calendar) for m in n.materials)
        for n in needs
        if not n.in_stock
    }
    ready = {no: max([today, *(a.arrives_on for a in got)]) for no, got in arrivals.items()}
    new_jobs = [
        _job(n.production, ready[n.line_no])
        for n in needs
        if not n.in_stock and n.production is not None
    ]
    slots: dict[UUID, Slot] = {}
    if new_jobs:
        ids = {j.production_order_id for j in new_jobs}
        kept = [j for j in planned if j.production_order_id not in ids]
        slots = schedule(lines, [*kept, *new_jobs], today=today)
    line_of = {line.code: line for line in lines}
    promises: dict[int, LinePromise] = {}
    for need in needs:
        chain, slot = _Chain(today, calendar), None
        if need.in_stock:
            chain.step("stock", "stock", today)
        else:
            if need.production is not None:
                slot = slots[need.production.production_order_id]
            _supply(chain, arrivals[need.line_no], ready[need.line_no], slot, line_of)
        promises[need.line_no] = _finish(chain, need, arrivals.get(need.line_no, ()), slot)
    return promises


def line_promise(
    need: LineNeed,
    *,
    today: date,
    calendar: WorkingCalendar,
    lines: Sequence[Line] = (),
    planned: Sequence[Job] = (),
) -> LinePromise:
    """One line on its own: ``promise_lines`` for an order of one line."""
    promises = promise_lines([need], today=today, calendar=calendar, lines=lines, planned=planned)
    return promises[need.line_no]


def with_terms(
    promise: LinePromise, *, handling_days: int, transit_days: int, calendar: WorkingCalendar
) -> LinePromise:
    """The same line handed over and carried on other terms (another shop's handling,
    another carrier service): supply steps kept, handling and transit counted again from
    the day the goods are there."""
    supply = [t for t in promise.breakdown if t.kind not in ("handling", "transit")]
    chain = _Chain(supply[-1].done_on, calendar)
    chain.terms = supply
    shipped_on = calendar.add_working_days(chain.last, handling_days)
    chain.step("handling", f"handling ({_days(handling_days)})", shipped_on)
    delivered_on = calendar.add_working_days(shipped_on, transit_days)
    chain.step("transit", f"carrier transit ({_days(transit_days)})", delivered_on)
    return replace(promise, promised_on=delivered_on, breakdown=tuple(chain.terms))


def order_promise(lines: Mapping[int, LinePromise], *, per_line: bool) -> OrderPromise:
    """The latest line sets the order's date; with ``per_line`` each line keeps its own date.

    Shipped whole (``per_line`` false), every line is promised the order's date. On a tie the
    lowest line number names the dominant step.
    """
    if not lines:
        raise PromiseError("an order with no lines has no promise")
    latest = max(lines, key=lambda no: (lines[no].promised_on, -no))
    promised_on = lines[latest].promised_on
    dates = {no: p.promised_on if per_line else promised_on for no, p in sorted(lines.items())}
    return OrderPromise(
        promised_on=promised_on,
        dominant=lines[latest].dominant,
        dominant_line=latest,
        line_dates=MappingProxyType(dates),
    )


def slipped(previous: date | None, new: date) -> bool:
    """Only a later date is a slip; a first promise or an earlier one is not news to regret."""
    return previous is not None and new > previous


class _Chain:
    """The steps so far; each new step's days are counted from the previous step's date."""

    def __init__(self, today: date, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.terms: list[Term] = []
        self.last = today

    def step(self, kind: TermKind, label: str, done_on: date) -> None:
        days = self.calendar.working_days_between(self.last, done_on)
        self.terms.append(Term(kind=kind, label=label, done_on=done_on, days=days))
        self.last = done_on


def _job(production: Production, ready_on: date) -> Job:
    return Job(
        production_order_id=production.production_order_id,
        line=production.line,
        priority=production.priority,
        due_on=production.due_on,
        duration_minutes=production.duration_minutes,
        earliest_start=ready_on,
    )


def _supply(
    chain: _Chain,
    arrivals: tuple[Arrival, ...],
    ready_on: date,
    slot: Slot | None,
    lines: Mapping[str, Line],
) -> None:
    """Materials, then the wait for the line (only when there is one), then production."""
    if arrivals:
        latest = min(arrivals, key=lambda a: (-a.arrives_on.toordinal(), a.item_code))
        chain.step("material", latest.label, ready_on)
    if slot is None:
        return
    waiting = chain.calendar.working_days_between(ready_on, slot.start_on)
    if waiting > 0:
        chain.step(
            "capacity", _busy(lines[slot.line], ready_on, slot, chain.calendar), slot.start_on
        )
    label = f"production on {slot.line} ({_days(len(slot.minutes_by_day))})"
    chain.step("production", label, slot.end_on)


def _busy(line: Line, ready_on: date, slot: Slot, calendar: WorkingCalendar) -> str:
    """``busy`` when the line had minutes on the days waited (jobs ahead held them), else
    ``down`` (a breakdown); until the last working day before production starts."""
    waited = [ready_on + timedelta(days=i) for i in range((slot.start_on - ready_on).days)]
    until = max(day for day in waited if calendar.is_working_day(day))
    state = "down" if all(line.capacity_on(day) == 0 for day in waited) else "busy"
    return f"line {line.code} {state} until {until.isoformat()}"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _finish(
    chain: _Chain, need: LineNeed, arrivals: tuple[Arrival, ...], slot: Slot | None
) -> LinePromise:
    """Handling from the day the goods are there, then transit; the dominant supply step."""
    supply = [t for t in chain.terms if t.kind in SUPPLY]
    calendar = chain.calendar
    shipped_on = calendar.add_working_days(chain.last, need.handling_days)
    chain.step("handling", f"handling ({_days(need.handling_days)})", shipped_on)
    delivered_on = calendar.add_working_days(shipped_on, need.transit_days)
    chain.step("transit", f"carrier transit ({_days(need.transit_days)})", delivered_on)
    waits = [t for t in supply if t.days > 0]
    dominant = max(waits, key=lambda t: t.days) if waits else supply[-1]
    return LinePromise(
        promised_on=delivered_on,
        dominant=dominant.label,
        breakdown=tuple(chain.terms),
        arrivals=arrivals,
        slot=slot,
    )
