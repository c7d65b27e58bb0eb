"""Pure: which open orders cannot reach their promise, and why (DESIGN invariant 7).

Every open order that is not a test order is classified into at most one exception, by
this precedence: ``late`` (the promise has passed), ``held`` (on hold: an unmapped item, a
recalled lot…), ``materials`` (a material is missing at some recipe depth), ``stuck`` (no
promise at all), ``at_risk`` (a promise that misses what the customer asked for, slipped,
or is due within a few working days and not ready). The first that applies wins, so one
order is listed once; its other reasons still travel with it, so a late order says *why*
it is late. Each exception carries its reasons and the next action in words: an English
``message`` with ``{placeholders}`` (the dashboard's catalogue key), its ``params`` and the
filled-in ``text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final, Literal

from shared.contracts.orders import OrderStatus
from shared.contracts.production import MissingMaterial

S = OrderStatus
Kind = Literal["late", "held", "materials", "stuck", "at_risk"]
KINDS: Final[tuple[Kind, ...]] = ("late", "held", "materials", "stuck", "at_risk")
OPEN: Final = frozenset(S) - {S.SHIPPED, S.DELIVERED, S.CANCELLED}
READY: Final = frozenset({S.READY_TO_SHIP, S.PARTIALLY_SHIPPED})
DUE_SOON_WORKING_DAYS: Final = 3
UNMAPPED, RECALLED = "unknown_sku:", "recall:"


@dataclass(frozen=True)
class Words:
    """A sentence the floor reads: a catalogue key with placeholders and their values."""

    code: str
    message: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.message.format(**self.params)


@dataclass(frozen=True)
class OrderFacts:
    """What the orders service knows of an open order, enough to say what stops it."""

    status: OrderStatus
    is_test: bool = False
    promised_on: date | None = None
    requested_on: date | None = None
    hold_reason: str | None = None
    slips: int = 0  # how many times its promise moved later
    missing: tuple[MissingMaterial, ...] | None = None  # None: production has not said


@dataclass(frozen=True)
class OrderException:
    kind: Kind
    reasons: tuple[Words, ...]
    action: Words


def add_working_days(day: date, days: int) -> date:
    """``days`` Monday-to-Friday days after ``day`` (the orders service knows no holidays)."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _hold(reason: str | None) -> tuple[Words, Words]:
    why = (reason or "").strip()
    if why.startswith(UNMAPPED):
        skus = why.removeprefix(UNMAPPED).strip()
        return (
            Words("unmapped_item", "on hold: no item is mapped to {skus}", {"skus": skus}),
            Words("map_item", "map the item on the order's page, then release it"),
        )
    if why.startswith(RECALLED):
        why = why.removeprefix(RECALLED).strip()
        return (
            Words("blocked_lot", "on hold: a lot it uses is blocked ({detail})", {"detail": why}),
            Words("check_lot", "check the blocked lot, then release or cancel the order"),
        )
    return (
        Words("on_hold", "on hold: {detail}", {"detail": why or "no reason given"}),
        Words("release", "check the order, then release or cancel it"),
    )


def _material(m: MissingMaterial) -> Words:
    qty = "" if m.missing is None else f"{m.missing.value.normalize():f} {m.missing.unit}"
    params = {"item": m.item_code, "missing": qty or "some"}
    if m.expected_on is not None:
        return Words(
            "material_expected",
            "{item}: {missing} missing, expected on {date} (purchase order)",
            {**params, "date": m.expected_on.isoformat()},
        )
    if m.arrives_on is not None:
        return Words(
            "material_lead_time",
            "{item}: {missing} missing, not ordered; by lead time it could arrive on {date}",
            {**params, "date": m.arrives_on.isoformat()},
        )
    return Words("material_unsourced", "{item}: {missing} missing, nothing brings it", params)


def _materials(facts: OrderFacts) -> tuple[tuple[Words, ...], Words] | None:
    """The missing materials' reasons and what to do, or None when nothing is missing."""
    missing = facts.missing or ()
    if not missing and facts.status is not S.AWAITING_MATERIALS:
        return None
    if not missing:
        unknown = Words("materials_unknown", "waiting for materials production has not named")
        return (unknown,), Words("check_production", "open its production order to see what")
    unordered = sorted({m.item_code for m in missing if m.expected_on is None})
    if unordered:
        action = Words(
            "order_material", "order {items} from the supplier", {"items": ", ".join(unordered)}
        )
    else:
        action = Words("chase_purchase", "chase the purchase orders if the dates slip")
    return tuple(_material(m) for m in missing), action


def _stuck(facts: OrderFacts) -> tuple[Words, Words]:
    if facts.status is S.RECEIVED:
        return (
            Words("no_reservation", "no promise yet: inventory has not answered for its stock"),
            Words("check_inventory", "check that inventory is running (Status page)"),
        )
    if facts.status is S.AWAITING_PRODUCTION:
        return (
            Words(
                "cannot_plan",
                "no promise yet: production cannot plan it (no active recipe or no line)",
            ),
            Words("add_recipe", "give its item an active recipe and a production line"),
        )
    return (
        Words("no_promise", "no promise yet: production has not given a date"),
        Words("check_production", "open its production order to see what"),
    )


def _risks(facts: OrderFacts, *, today: date) -> tuple[Words, ...]:
    promised, requested = facts.promised_on, facts.requested_on
    if promised is None or facts.status in READY:
        return ()
    found: list[Words] = []
    if requested is not None and promised > requested:
        found.append(
            Words(
                "misses_requested",
                "promised for {promised}, after the {requested} the customer asked for",
                {"promised": promised.isoformat(), "requested": requested.isoformat()},
            )
        )
    if facts.slips:
        found.append(Words("slipped", "the promise slipped {n} time(s)", {"n": str(facts.slips)}))
    if today <= promised <= add_working_days(today, DUE_SOON_WORKING_DAYS):
        found.append(
            Words(
                "due_soon",
                "due on {promised}, within {n} working days, and not ready",
                {"promised": promised.isoformat(), "n": str(DUE_SOON_WORKING_DAYS)},
            )
        )
    return tuple(found)


def classify(facts: OrderFacts, *, today: date) -> OrderException | None:
    """The one exception ``facts`` is, or None: on track, a test order, or no longer open."""
    if facts.is_test or facts.status not in OPEN:
        return None
    held = _hold(facts.hold_reason) if facts.status is S.ON_HOLD else None
    materials = None if held else _materials(facts)
    if facts.promised_on is not None and facts.promised_on < today:
        late = Words(
            "late",
            "promised for {promised}: the date has passed and it has not shipped",
            {"promised": facts.promised_on.isoformat()},
        )
        if held:
            return OrderException("late", (late, held[0]), held[1])
        if materials:
            return OrderException("late", (late, *materials[0]), materials[1])
        if facts.status in READY:
            return OrderException("late", (late,), Words("ship", "ship it today"))
        return OrderException(
            "late", (late,), Words("tell_customer", "tell the customer the new date")
        )
    if held:
        return OrderException("held", (held[0],), held[1])
    risks = _risks(facts, today=today)
    if materials:
        return OrderException("materials", (*materials[0], *risks), materials[1])
    if facts.promised_on is None and facts.status not in READY:
        why, action = _stuck(facts)
        return OrderException("stuck", (why,), action)
    if risks:
        action = (
            Words("tell_customer", "tell the customer the new date")
            if risks[0].code in ("misses_requested", "slipped")
            else Words("hurry", "make sure production finishes it in time")
        )
        return OrderException("at_risk", risks, action)
    return None
