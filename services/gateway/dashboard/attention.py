"""Which open orders need a person's eye today, and why. Pure: orders as the API gives them.

An order is *late* when its promised date has passed and it has not left; it is *at risk*
when its promise no longer meets what the customer asked for, when the date keeps slipping,
or when the date is near and the goods are not ready yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

Risk = Literal["late", "misses_requested", "slipped", "due_soon"]

GONE: Final = frozenset({"shipped", "delivered", "cancelled"})
READY: Final = frozenset({"ready_to_ship", "partially_shipped"})
DUE_SOON_DAYS: Final = 3


@dataclass(frozen=True)
class Attention:
    """One order in danger: ``late`` (the date has passed) or ``at_risk``, with every why."""

    order: Mapping[str, Any]
    risks: tuple[Risk, ...]
    slips: int

    @property
    def level(self) -> Literal["late", "at_risk"]:
        return "late" if "late" in self.risks else "at_risk"


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def risks_of(order: Mapping[str, Any], *, today: date, slips: int = 0) -> tuple[Risk, ...]:
    """Every reason to worry about ``order`` on ``today``; empty when it is on track."""
    if order.get("status") in GONE:
        return ()
    promised, requested = _day(order.get("promised_on")), _day(order.get("requested_on"))
    found: list[Risk] = []
    if promised is not None and promised < today:
        found.append("late")
    if promised is not None and requested is not None and promised > requested:
        found.append("misses_requested")
    if slips:
        found.append("slipped")
    if (
        promised is not None
        and today <= promised <= today + timedelta(days=DUE_SOON_DAYS)
        and order.get("status") not in READY
    ):
        found.append("due_soon")
    return tuple(found)


def in_danger(
    orders: Iterable[Mapping[str, Any]], *, today: date, slips: Mapping[str, int]
) -> list[Attention]:
    """The orders with any risk, late ones first, each group by the earliest promise."""
    found = []
    for order in orders:
        count = slips.get(str(order.get("id")), 0)
        risks = risks_of(order, today=today, slips=count)
        if risks:
            found.append(Attention(order, risks, count))
    return sorted(
        found, key=lambda a: (a.level != "late", str(a.order.get("promised_on") or "9999"))
    )


def slips_in(timeline: Iterable[Mapping[str, Any]]) -> int:
    """How many times an order's promise slipped, from its causal timeline."""
    return sum(1 for entry in timeline if entry.get("kind") == "promise.slipped")
