"""Retries for carrier HTTP calls: bounded, jittered, honouring the carrier's Retry-After.

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
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from services.orders.carriers.port import CarrierRejected, CarrierUnavailable
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


def wait_seconds(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    """The carrier's own Retry-After when it gave one (capped), else exponential with jitter."""
    backoff = wait_exponential_jitter(
        multiplier=policy.initial_seconds, jitter=policy.initial_seconds, max=policy.max_seconds
    )

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, CarrierUnavailable) and error.retry_after is not None:
            return min(error.retry_after, policy.max_retry_after_seconds)
        return float(backoff(state))

    return wait


async def with_retries(policy: RetryPolicy, call: Callable[[int], Awaitable[T]], *, what: str) -> T:
    """Run ``call(attempt_number)`` until it succeeds, is rejected, or the policy runs out."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.deadline_seconds),
        wait=wait_seconds(policy),
        retry=retry_if_exception_type(CarrierUnavailable),
        reraise=True,
    )
    attempt_number = 0
    try:
        async for attempt in retrying:
            attempt_number = attempt.retry_state.attempt_number
            with attempt:
                if attempt_number > 1:
                    log.info("%s: attempt %d", what, attempt_number)
                return await call(attempt_number)
    except CarrierUnavailable as error:
        raise CarrierUnavailable(
            f"{what}: still unavailable after {attempt_number} attempts: {error}",
            retry_after=error.retry_after,
        ) from error
    raise AssertionError("tenacity ended without an outcome")  # pragma: no cover


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
