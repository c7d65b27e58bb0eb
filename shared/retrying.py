"""One way to retry a call to an outside service: bounded attempts (and, optionally, a
deadline), exponential backoff with jitter, the service's own wait hint when it gave one,
and only the errors the caller's classifier calls retryable.

Callers sort an answer with ``shared.http_answers.classify`` (or, for SMTP, their own
classifier) and raise their own error types: a retryable one carrying the classifier's
``wait_seconds`` (Retry-After, a throttle's refill time), a refusal otherwise. They tell
this wrapper which errors are retryable (``retryable``) and where a hint is (``hint``); a
refusal is raised at once, and the last retryable error is raised when the budget is spent.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

T = TypeVar("T")


@dataclass(frozen=True)
class RetryBudget:
    """How long a call may keep trying.

    ``attempts`` tries at most, and none started after ``deadline_seconds`` (if set). Between
    tries: ``initial_seconds`` doubling up to ``max_seconds``, plus up to ``jitter_seconds``;
    or the service's hint plus up to ``hint_jitter_seconds``, capped at ``max_hint_seconds``.
    No wait exceeds ``max_wait_seconds``.
    """

    attempts: int
    initial_seconds: float
    max_seconds: float
    jitter_seconds: float
    hint_jitter_seconds: float = 0.0
    max_hint_seconds: float = math.inf
    max_wait_seconds: float = math.inf
    deadline_seconds: float | None = None


def doubling(attempts: int, initial_seconds: float, max_seconds: float = math.inf) -> float:
    """The wait after the ``attempts``-th failed attempt of work retried later (a row, a
    mail): ``initial_seconds`` after the first, twice as long after each next one, never
    more than ``max_seconds``."""
    if attempts < 1:
        return 0.0
    return min(initial_seconds * 2.0 ** min(attempts - 1, 64), max_seconds)


def no_hint(_error: BaseException) -> float | None:
    return None


def wait_strategy(
    budget: RetryBudget, hint: Callable[[BaseException], float | None] = no_hint
) -> Callable[[RetryCallState], float]:
    """The wait before the next try: the failed try's hint when it has one, else backoff."""
    backoff = wait_exponential_jitter(
        multiplier=budget.initial_seconds, max=budget.max_seconds, jitter=budget.jitter_seconds
    )

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        given = hint(error) if error is not None else None
        if given is None:
            seconds = float(backoff(state))
        else:
            jitter = random.uniform(0, budget.hint_jitter_seconds)
            seconds = min(given + jitter, budget.max_hint_seconds)
        return min(seconds, budget.max_wait_seconds)

    return wait


def _stop(budget: RetryBudget) -> stop_base:
    stop: stop_base = stop_after_attempt(budget.attempts)
    if budget.deadline_seconds is not None:
        stop = stop | stop_after_delay(budget.deadline_seconds)
    return stop


async def with_retries(
    call: Callable[[], Awaitable[T]],
    budget: RetryBudget,
    *,
    retryable: Callable[[BaseException], bool],
    hint: Callable[[BaseException], float | None] = no_hint,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    """``call`` until it succeeds, raises what ``retryable`` refuses (raised at once), or the
    budget is spent (the last error is raised). ``sleep`` is injectable for tests."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(retryable),
        stop=_stop(budget),
        wait=wait_strategy(budget, hint),
        reraise=True,
    )
    if sleep is not None:
        retrying = retrying.copy(sleep=sleep)
    async for attempt in retrying:
        with attempt:
            return await call()
    raise AssertionError("tenacity ended without an outcome")  # pragma: no cover
