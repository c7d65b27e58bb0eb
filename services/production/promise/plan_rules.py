"""Promising with the plan as it stands: every open production order competes for its line,
waits for what it is short of, and the customer orders it serves are promised its date.

Pure and deterministic. Quotes and real orders go through ``promise_with_open_production``,
so a quote answers the date a real order placed right after it gets: the quoted lines queue
behind every open production order, as that order's production order will.

Rules:

- The line queue is first come, first served: ``queued`` is the production order's position
  (creation order); a quoted line comes after all of them.
- A production order waits for its own shortfalls, except the items an open child order is
  making (they are the child's to wait for), plus everything its children wait for. An
  intermediate's own production time is not counted (as in quotes); its job still takes
  capacity on its line.
- A shortfall with neither a supplier lead time nor a purchase order cannot be promised: the
  customer orders it serves are left unpromised (``Plan.unpromisable``) rather than told a
  date nothing supports.
- A customer order served by several production orders is promised the latest of their dates
  (orders ship whole).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.capacity.scheduling_rules import Line, Slot
from services.production.promise.date_rules import (
    LineNeed,
    LinePromise,
    Material,
    OrderPromise,
    Production,
    PromiseError,
    order_promise,
    promise_lines,
    with_terms,
)
from services.production.promise.quote_rules import minutes_on_line
from services.production.promise.term_rules import Terms


@dataclass(frozen=True)
class Shortfall:
    """A material a production order still waits for, and what could bring it."""

    item_code: str
    lead_time_days: int | None = None
    expected_on: date | None = None
    missing: Decimal | None = None  # in the item's base unit, when known
    unit: str | None = None  # of ``missing``


@dataclass(frozen=True)
class OpenProduction:
    """An open production order as the promise sees it.

    ``line`` is None for production that books no line;
    ``serves`` are the customer orders whose lines it makes.
    """

    production_order_id: UUID
    item_code: str
    queued: int
    line: str | None
    duration_minutes: int
    shortfalls: tuple[Shortfall, ...] = ()
    parent_id: UUID | None = None
    serves: frozenset[UUID] = frozenset()


@dataclass(frozen=True)
class Plan:
    """Quoted lines' promises, each served customer order's promise, the orders no date
    can honestly be given to (with the reason), and where each open production order landed
    on its line (what the dashboard's plan shows)."""

    quoted: Mapping[int, LinePromise]
    orders: Mapping[UUID, OrderPromise] = field(hash=False)
    unpromisable: Mapping[UUID, str] = field(hash=False)
    slots: Mapping[UUID, Slot] = field(default_factory=dict, hash=False)


def children_of(productions: Sequence[OpenProduction]) -> dict[UUID, list[OpenProduction]]:
    """Each production order's open children, in queue order: one pass, not one per order."""
    children: dict[UUID, list[OpenProduction]] = {}
    for p in sorted(productions, key=lambda p: p.queued):
        if p.parent_id is not None:
            children.setdefault(p.parent_id, []).append(p)
    return children


def waits_for(
    production: OpenProduction, children: Mapping[UUID, list[OpenProduction]]
) -> tuple[Shortfall, ...]:
    """What ``production`` waits for at every depth (the root shortages)."""
    return tuple(shortfall for _, shortfall in waits_by_batch(production, children))


def waits_by_batch(
    production: OpenProduction, children: Mapping[UUID, list[OpenProduction]]
) -> tuple[tuple[UUID, Shortfall], ...]:
    """Each root shortage with the production order it blocks: ``production``'s own
    shortfalls but the items an open child makes, then each child's, recursively."""
    mine = children.get(production.production_order_id, [])
    made = {child.item_code for child in mine}
    found = [
        (production.production_order_id, s)
        for s in production.shortfalls
        if s.item_code not in made
    ]
    for child in mine:
        found += waits_by_batch(child, children)
    return tuple(found)


def promise_with_open_production(
    quoted: Sequence[LineNeed],
    productions: Sequence[OpenProduction],
    *,
    today: date,
    calendar: WorkingCalendar,
    lines: Sequence[Line],
    handling_days: int,
    transit_days: int,
    terms_of: Mapping[UUID, Terms] | None = None,
) -> Plan:
    """Schedule the open production and the quoted lines together; promise both. A customer
    order in ``terms_of`` is handed over and carried on its own terms (its shop's handling,
    its carrier service's transit); the others on ``handling_days`` and ``transit_days``."""
    first_free = max((n.line_no for n in quoted), default=0) + 1
    needs = list(quoted)
    need_of: dict[UUID, int] = {}
    unpromisable: dict[UUID, str] = {}
    children = children_of(productions)
    for offset, production in enumerate(sorted(productions, key=lambda p: p.queued)):
        line_no = first_free + offset
        try:
            materials = tuple(_material(s) for s in waits_for(production, children))
        except PromiseError as error:
            for order_id in production.serves:
                unpromisable[order_id] = str(error)
            materials = ()
        booked = production.line is not None
        needs.append(
            LineNeed(
                line_no=line_no,
                in_stock=not booked and not materials,
                handling_days=handling_days,
                transit_days=transit_days,
                materials=materials,
                production=Production(
                    production_order_id=production.production_order_id,
                    line=str(production.line),
                    duration_minutes=minutes_on_line(production.duration_minutes),
                    priority=production.queued,
                )
                if booked
                else None,
            )
        )
        need_of[production.production_order_id] = line_no
    promises = promise_lines(needs, today=today, calendar=calendar, lines=lines)
    by_order: dict[UUID, dict[int, LinePromise]] = {}
    own_terms = terms_of or {}
    for production in productions:
        for order_id in production.serves:
            line_no = need_of[production.production_order_id]
            found = promises[line_no]
            terms = own_terms.get(order_id)
            if terms is not None:
                found = with_terms(
                    found,
                    handling_days=terms.handling_days,
                    transit_days=terms.transit_days,
                    calendar=calendar,
                )
            by_order.setdefault(order_id, {})[line_no] = found
    return Plan(
        quoted={n.line_no: promises[n.line_no] for n in quoted},
        orders={
            order_id: order_promise(found, per_line=False)
            for order_id, found in sorted(by_order.items())
            if order_id not in unpromisable
        },
        unpromisable=unpromisable,
        slots={
            production_id: slot
            for production_id, line_no in need_of.items()
            if (slot := promises[line_no].slot) is not None
        },
    )


def _material(shortfall: Shortfall) -> Material:
    """PromiseError when nothing could bring it (no lead time, no purchase order)."""
    return Material(
        item_code=shortfall.item_code,
        lead_time_days=shortfall.lead_time_days,
        expected_on=shortfall.expected_on,
    )
