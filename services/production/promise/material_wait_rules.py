"""Pure: what each customer order's production still lacks, at every level of its recipes.

A production order blocked on an intermediate it makes itself (the dough behind a biscuit
box) does not wait for the dough: it waits for what the dough's own production order waits
for (the flour), with how much and when it comes. That is what a customer order shows, so
the people on the floor see the flour and its kilograms, not "dough"; and once nothing is
missing at any level the order waits for production, not for materials.

Several production orders of one customer order short of the same material are summed
(their batches need it all); the material is here when the latest of them is covered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from uuid import UUID

from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.promise.date_rules import Material, PromiseError, arrival
from services.production.promise.plan_rules import (
    OpenProduction,
    Shortfall,
    children_of,
    waits_by_batch,
)
from shared.contracts.production import MissingMaterial
from shared.units import Quantity


def missing_by_order(
    productions: Sequence[OpenProduction], *, today: date, calendar: WorkingCalendar
) -> dict[UUID, tuple[MissingMaterial, ...]]:
    """Every customer order some open production serves, with what that production lacks
    at any depth (empty when nothing is missing), sorted by item code."""
    children = children_of(productions)
    found: dict[UUID, dict[tuple[str, str | None], MissingMaterial]] = {}
    for production in productions:
        if not production.serves:
            continue
        lacking = [
            _missing(shortfall, batch, today=today, calendar=calendar)
            for batch, shortfall in waits_by_batch(production, children)
        ]
        for order_id in production.serves:
            merged = found.setdefault(order_id, {})
            for one in lacking:
                key = (one.item_code, None if one.missing is None else one.missing.unit)
                merged[key] = _merge(merged[key], one) if key in merged else one
    return {
        order_id: tuple(sorted(by_item.values(), key=lambda m: m.item_code))
        for order_id, by_item in found.items()
    }


def changed(
    before: Mapping[UUID, tuple[MissingMaterial, ...]],
    now: Mapping[UUID, tuple[MissingMaterial, ...]],
) -> dict[UUID, tuple[MissingMaterial, ...]]:
    """What to publish: orders whose list differs from the one last published; an order no
    longer served by open production that last had something missing gets an empty list."""
    news = {o: missing for o, missing in now.items() if before.get(o) != missing}
    for order_id, missing in before.items():
        if order_id not in now and missing:
            news[order_id] = ()
    return news


def _missing(
    shortfall: Shortfall, production_order_id: UUID, *, today: date, calendar: WorkingCalendar
) -> MissingMaterial:
    return MissingMaterial(
        item_code=shortfall.item_code,
        missing=None
        if shortfall.missing is None or shortfall.unit is None
        else Quantity.of(shortfall.missing, shortfall.unit),
        lead_time_days=shortfall.lead_time_days,
        expected_on=shortfall.expected_on,
        arrives_on=_arrives_on(shortfall, today=today, calendar=calendar),
        production_order_id=production_order_id,
    )


def _arrives_on(shortfall: Shortfall, *, today: date, calendar: WorkingCalendar) -> date | None:
    """The promise's own arrival rule; None when nothing brings it (no lead time, no PO)."""
    try:
        material = Material(shortfall.item_code, shortfall.lead_time_days, shortfall.expected_on)
    except PromiseError:
        return None
    return arrival(material, today=today, calendar=calendar).arrives_on


def _merge(a: MissingMaterial, b: MissingMaterial) -> MissingMaterial:
    """One line per material: quantities summed, the later arrival (unknown wins)."""
    return a.model_copy(
        update={
            "missing": None if a.missing is None or b.missing is None else a.missing + b.missing,
            "expected_on": _latest([a.expected_on, b.expected_on]),
            "arrives_on": _latest([a.arrives_on, b.arrives_on]),
            "lead_time_days": a.lead_time_days
            if b.lead_time_days is None
            else max(a.lead_time_days or 0, b.lead_time_days),
        }
    )


def _latest(dates: Iterable[date | None]) -> date | None:
    known = list(dates)
    if any(d is None for d in known):
        return None
    return max(d for d in known if d is not None)
