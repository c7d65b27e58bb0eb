"""The one retry wrapper (shared/retrying.py): it retries what the classifier calls
retryable, stops at the budget, waits as long as Retry-After says, and never retries a
refusal. Waits go to an injected sleep, so nothing here sleeps."""

from __future__ import annotations

import pytest

from shared import retrying
from shared.http_answers import classify

BUDGET = retrying.RetryBudget(attempts=4, initial_seconds=0.5, max_seconds=4.0, jitter_seconds=0.0)


class Unavailable(Exception):
    """What a client raises for an answer the classifier calls retryable."""

    def __init__(self, wait_seconds: float | None = None) -> None:
        super().__init__(f"retry later ({wait_seconds})")
        self.wait_seconds = wait_seconds


class Rejected(Exception):
    """What a client raises for an answer the classifier calls refused."""


def raise_for(status: int, headers: dict[str, str] | None = None) -> None:
    answer = classify(status, headers or {})
    if answer.retryable:
        raise Unavailable(answer.wait_seconds)
    if answer.verdict.value != "ok":
        raise Rejected(f"HTTP {status}")


def is_unavailable(error: BaseException) -> bool:
    return isinstance(error, Unavailable)


def hint(error: BaseException) -> float | None:
    return error.wait_seconds if isinstance(error, Unavailable) else None


class Script:
    """Answers in turn, one per call; records how often it was called and every wait."""

    def __init__(self, *answers: tuple[int, dict[str, str]]) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.waits: list[float] = []

    async def call(self) -> str:
        status, headers = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        raise_for(status, headers)
        return f"answer {self.calls}"

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


async def run(script: Script, budget: retrying.RetryBudget = BUDGET) -> str:
    return await retrying.with_retries(
        script.call, budget, retryable=is_unavailable, hint=hint, sleep=script.sleep
    )


async def test_a_retryable_answer_is_retried_until_it_passes() -> None:
    script = Script((503, {}), (502, {}), (200, {}))

    assert await run(script) == "answer 3"
    assert script.calls == 3
    assert script.waits == [0.5, 1.0]  # exponential backoff (no jitter in this budget)


async def test_the_last_retryable_error_is_raised_when_the_budget_is_spent() -> None:
    script = Script((503, {}))

    with pytest.raises(Unavailable):
        await run(script)
    assert script.calls == BUDGET.attempts
    assert len(script.waits) == BUDGET.attempts - 1


async def test_retry_after_is_honoured_fractional_seconds_included() -> None:
    script = Script((429, {"Retry-After": "2.5"}), (200, {}))

    assert await run(script) == "answer 2"
    assert script.waits == [2.5]


async def test_a_retry_after_is_capped_and_jittered_as_the_budget_says() -> None:
    capped = retrying.RetryBudget(
        attempts=2,
        initial_seconds=0.5,
        max_seconds=4.0,
        jitter_seconds=0.0,
        hint_jitter_seconds=0.25,
        max_hint_seconds=10.0,
    )
    script = Script((429, {"Retry-After": "3"}), (429, {"Retry-After": "3600"}))

    with pytest.raises(Unavailable):
        await run(script, capped)
    [wait] = script.waits
    assert 3.0 <= wait <= 3.25
    script = Script((429, {"Retry-After": "3600"}), (200, {}))
    await run(script, capped)
    assert script.waits == [10.0]


async def test_a_refused_answer_is_not_retried() -> None:
    script = Script((404, {}), (200, {}))

    with pytest.raises(Rejected):
        await run(script)
    assert (script.calls, script.waits) == (1, [])


async def test_no_wait_exceeds_max_wait_seconds_whatever_the_hint() -> None:
    bounded = retrying.RetryBudget(
        attempts=3, initial_seconds=0.5, max_seconds=4.0, jitter_seconds=0.0, max_wait_seconds=1.5
    )
    script = Script((429, {"Retry-After": "60"}), (503, {}), (200, {}))

    await run(script, bounded)
    assert script.waits == [1.5, 1.0]


async def test_a_handler_retries_transient_faults_and_raises_the_others_at_once() -> None:
    """``shared.messaging.with_retries``: a serialisation failure or a lost connection is
    tried again (here it then succeeds); a handler's own error is raised on the first try."""
    from sqlalchemy.exc import OperationalError

    from shared import messaging

    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed"))
        return "done"

    assert await messaging.with_retries(flaky, max_seconds=10) == "done"
    assert len(calls) == 3

    refused: list[int] = []

    async def wrong() -> None:
        refused.append(1)
        raise ValueError("a bug, not a fault")

    with pytest.raises(ValueError):
        await messaging.with_retries(wrong, max_seconds=10)
    assert refused == [1]


def test_work_retried_later_waits_doubling_up_to_its_cap():
    waits = [retrying.doubling(n, 60.0, 3600.0) for n in range(0, 9)]

    assert waits == [0.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 3600.0, 3600.0]
    assert retrying.doubling(10_000, 60.0, 3600.0) == 3600.0  # no overflow after many tries
