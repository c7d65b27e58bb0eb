"""Shopify's cost-based rate limit, read from ``extensions.cost`` of every GraphQL answer. Pure.

The Admin GraphQL API holds a leaky bucket of points per app and shop: a query runs only when
the bucket holds its requested cost, and the bucket refills at ``restoreRate`` points a second.
A throttled answer is HTTP 200 with ``errors[].extensions.code == "THROTTLED"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MUTATION_COST = 10  # Shopify's documented cost of any mutation


@dataclass(frozen=True)
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float


@dataclass(frozen=True)
class QueryCost:
    requested: float | None
    actual: float | None
    throttle: ThrottleStatus | None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def read_cost(body: Mapping[str, Any]) -> QueryCost | None:
    """``extensions.cost`` of an answer, or None when the answer carries none."""
    extensions = body.get("extensions")
    cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
    if not isinstance(cost, Mapping):
        return None
    raw = cost.get("throttleStatus")
    status = None
    if isinstance(raw, Mapping):
        maximum = _number(raw.get("maximumAvailable"))
        current = _number(raw.get("currentlyAvailable"))
        rate = _number(raw.get("restoreRate"))
        if maximum is not None and current is not None and rate is not None:
            status = ThrottleStatus(maximum, current, rate)
    return QueryCost(
        _number(cost.get("requestedQueryCost")), _number(cost.get("actualQueryCost")), status
    )


def error_codes(body: Mapping[str, Any]) -> set[str]:
    """The ``errors[].extensions.code`` values of an answer."""
    errors = body.get("errors")
    if not isinstance(errors, list):
        return set()
    return {
        str(e["extensions"].get("code"))
        for e in errors
        if isinstance(e, Mapping) and isinstance(e.get("extensions"), Mapping)
    }


def is_throttled(body: Mapping[str, Any]) -> bool:
    return "THROTTLED" in error_codes(body)


def seconds_until_available(status: ThrottleStatus, needed: float) -> float | None:
    """How long until the bucket holds ``needed`` points; None when it never refills.

    A cost above the bucket's size is capped at its size: that is the most it can hold.
    """
    missing = min(needed, status.maximum_available) - status.currently_available
    if missing <= 0:
        return 0.0
    if status.restore_rate <= 0:
        return None
    return missing / status.restore_rate


def throttled_wait(cost: QueryCost | None, *, fallback_cost: float) -> float | None:
    """The wait a THROTTLED answer asks for: until the refused query's cost is back."""
    if cost is None or cost.throttle is None:
        return None
    needed = cost.requested if cost.requested is not None else fallback_cost
    return seconds_until_available(cost.throttle, needed)
