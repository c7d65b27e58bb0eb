"""Retries for carrier HTTP calls: ``shared.retrying``, bounded by attempts and a deadline,
jittered, honouring the carrier's Retry-After (capped).

Only ``CarrierUnavailable`` is retried (timeouts, 429, 5xx); a ``CarrierRejected`` answer
would be the same the next time. After the last attempt the caller gets a
``CarrierUnavailable`` that says how often it tried.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import httpx
from tenacity import RetryCallState

from services.orders.carriers.port import CarrierRejected, CarrierUnavailable
from shared import retrying
from shared.http_answers import Verdict, classify

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How long a carrier call may keep trying. Tests pass tiny waits to stay fast."""

    attempts: int = 5
    initial_seconds: float = 0.5
    max_seconds: float = 8.0
    max_retry_after_seconds: float = 30.0
    deadline_seconds: float = 60.0

    def budget(self) -> retrying.RetryBudget:
        return retrying.RetryBudget(
            attempts=self.attempts,
            initial_seconds=self.initial_seconds,
            max_seconds=self.max_seconds,
            jitter_seconds=self.initial_seconds,
            max_hint_seconds=self.max_retry_after_seconds,
            deadline_seconds=self.deadline_seconds,
        )


def _is_unavailable(error: BaseException) -> bool:
    return isinstance(error, CarrierUnavailable)


def _retry_after(error: BaseException) -> float | None:
    return error.retry_after if isinstance(error, CarrierUnavailable) else None


def wait_seconds(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    """The carrier's own Retry-After when it gave one (capped), else exponential with jitter."""
    return retrying.wait_strategy(policy.budget(), _retry_after)


async def with_retries(policy: RetryPolicy, call: Callable[[int], Awaitable[T]], *, what: str) -> T:
    """Run ``call(attempt_number)`` until it succeeds, is rejected, or the policy runs out."""
    attempt_number = 0

    async def attempt() -> T:
        nonlocal attempt_number
        attempt_number += 1
        if attempt_number > 1:
            log.info("%s: attempt %d", what, attempt_number)
        return await call(attempt_number)

    try:
        return await retrying.with_retries(
            attempt, policy.budget(), retryable=_is_unavailable, hint=_retry_after
        )
    except CarrierUnavailable as error:
        raise CarrierUnavailable(
            f"{what}: still unavailable after {attempt_number} attempts: {error}",
            retry_after=error.retry_after,
        ) from error


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    json: object = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """One HTTP exchange with network trouble turned into ``CarrierUnavailable``."""
    try:
        return await http.request(method, url, json=json, params=params, headers=headers)
    except httpx.TimeoutException as error:
        raise CarrierUnavailable(f"timed out: {method} {url}") from error
    except httpx.TransportError as error:
        raise CarrierUnavailable(f"unreachable: {method} {url}: {error!r}") from error


def raise_for_answer(response: httpx.Response, message: str) -> None:
    """2xx passes; 408/425/429/5xx may pass later (retried); any other 4xx never will."""
    answer = classify(response.status_code, response.headers)
    if answer.verdict is Verdict.OK:
        return
    if answer.retryable:
        raise CarrierUnavailable(
            f"{response.status_code}: {message}", retry_after=answer.wait_seconds
        )
    raise CarrierRejected(message)
