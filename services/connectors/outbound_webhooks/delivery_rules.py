"""What an outbound webhook sends and what a failed try leads to. Pure: plain values in,
plain values out.

- **Which events, under which names**: ``EVENT_TYPES`` (the public names a subscriber
  picks) and the Kafka events behind them.
- **Order**: every delivery has an ``ordering key`` (the order, the lot, the recall it is
  about); a delivery waits while an earlier one of the same subscription and key is still
  pending (the claim in ``repository`` asks this).
- **Where**: an ``https`` URL, or ``http`` to a host the deployment allows (loopback,
  a test receiver).
- **After a failed try**: ``after_failure`` — again after the receiver's ``Retry-After`` or
  exponential backoff with jitter (``shared.retrying``), until the attempts or the time
  budget are spent; a refusal (a 4xx other than 408/425/429) is dead at once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from tenacity import AsyncRetrying, RetryCallState

from shared import retrying
from shared.contracts.base import Event
from shared.contracts.inventory import LotChanged
from shared.contracts.orders import OrderCancelled, OrderReceived, ShipmentDispatched
from shared.contracts.production import OrderPromised
from shared.contracts.trace import RecallIssued
from shared.http_answers import Answer, Verdict

ORDER_RECEIVED = "order.received"
ORDER_PROMISED = "order.promised"
ORDER_SHIPPED = "order.shipped"
ORDER_CANCELLED = "order.cancelled"
LOT_RECALLED = "lot.recalled"
STOCK_CHANGED = "stock.changed"

# The public name of each event a subscriber may ask for, and the Kafka event behind it.
EVENT_TYPES: dict[str, type[Event]] = {
    ORDER_RECEIVED: OrderReceived,
    ORDER_PROMISED: OrderPromised,
    ORDER_SHIPPED: ShipmentDispatched,
    ORDER_CANCELLED: OrderCancelled,
    LOT_RECALLED: RecallIssued,
    STOCK_CHANGED: LotChanged,
}
_NAME_OF: dict[type[Event], str] = {event: name for name, event in EVENT_TYPES.items()}


def public_name(event: Event) -> str | None:
    """The name a subscriber knows ``event`` by; None for an event never sent."""
    return _NAME_OF.get(type(event))


def ordering_key(event: Event) -> str:
    """What the delivery's order is kept within: the order, the lot or the recall."""
    if isinstance(event, LotChanged):
        return f"lot:{event.lot_code}"
    if isinstance(event, RecallIssued):
        return f"recall:{event.recall_id}"
    order_id = getattr(event, "order_id", None)
    if order_id is not None:
        return f"order:{order_id}"
    return f"event:{event.aggregate_key()}"


def body(
    *, delivery_id: UUID, event_type: str, event_id: UUID, occurred_at: datetime, data: Any
) -> bytes:
    """The request body, fixed when the delivery is staged: every retry sends (and signs)
    the same bytes."""
    document = {
        "id": str(delivery_id),
        "type": event_type,
        "event_id": str(event_id),
        "occurred_at": occurred_at.isoformat(),
        "data": data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def url_problem(url: str, *, http_hosts: Collection[str]) -> str | None:
    """Why ``url`` cannot receive webhooks, or None: https only, except plain http to a
    host listed in ``http_hosts`` (the deployment's setting, for loopback and tests)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "not a URL"
    if not host:
        return "the URL names no host"
    if parts.username or parts.password:
        return "credentials in the URL are not accepted (the signature authenticates us)"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http":
        if host in http_hosts:
            return None
        return f"plain http is allowed only to {sorted(http_hosts) or 'no host'}; use https"
    return f"scheme {parts.scheme!r} is not https"


@dataclass(frozen=True)
class RetryPolicy:
    """How long a delivery keeps trying: ``attempts`` at most, none started later than
    ``retry_for_seconds`` after the first; backoff from ``initial_seconds`` doubling up to
    ``max_seconds`` plus up to ``jitter_seconds``; a ``Retry-After`` honoured up to
    ``max_hint_seconds``."""

    attempts: int
    retry_for_seconds: float
    initial_seconds: float
    max_seconds: float
    jitter_seconds: float
    max_hint_seconds: float

    def budget(self) -> retrying.RetryBudget:
        return retrying.RetryBudget(
            attempts=self.attempts,
            initial_seconds=self.initial_seconds,
            max_seconds=self.max_seconds,
            jitter_seconds=self.jitter_seconds,
            hint_jitter_seconds=self.jitter_seconds,
            max_hint_seconds=self.max_hint_seconds,
            deadline_seconds=self.retry_for_seconds,
        )


class _FailedTry(Exception):
    def __init__(self, wait_seconds: float | None) -> None:
        super().__init__("failed try")
        self.wait_seconds = wait_seconds


def _hint(error: BaseException) -> float | None:
    return error.wait_seconds if isinstance(error, _FailedTry) else None


def wait_after(policy: RetryPolicy, attempts: int, hint: float | None) -> float:
    """Seconds before the next try after ``attempts`` failed ones: the receiver's hint when
    it gave one, else exponential backoff with jitter (``shared.retrying.wait_strategy``)."""
    state = RetryCallState(AsyncRetrying(), None, (), {})
    state.attempt_number = max(1, attempts)
    error = _FailedTry(hint)
    state.set_exception((type(error), error, None))
    return retrying.wait_strategy(policy.budget(), _hint)(state)


@dataclass(frozen=True)
class Retry:
    wait_seconds: float


@dataclass(frozen=True)
class GiveUp:
    reason: str


def after_failure(
    policy: RetryPolicy,
    answer: Answer,
    *,
    attempts: int,
    tried_for_seconds: float,
    reason: str,
) -> Retry | GiveUp:
    """What follows a failed try, ``attempts`` tries (this one included) after the first
    began ``tried_for_seconds`` ago."""
    if answer.verdict is not Verdict.RETRY:
        return GiveUp(f"refused: {reason}")
    if attempts >= policy.attempts:
        return GiveUp(f"{attempts} attempts failed; last: {reason}")
    wait = wait_after(policy, attempts, answer.wait_seconds)
    if tried_for_seconds + wait > policy.retry_for_seconds or not math.isfinite(wait):
        return GiveUp(f"still failing after {round(tried_for_seconds)}s; last: {reason}")
    return Retry(wait)


def disables(consecutive_dead: int, *, disable_after: int) -> bool:
    """True when a subscription with that many dead deliveries in a row is to be disabled."""
    return disable_after > 0 and consecutive_dead >= disable_after
