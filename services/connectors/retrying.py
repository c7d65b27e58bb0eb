"""How a channel call retries: ``shared.retrying`` with the write-back settings as its
budget, ``RetryLater`` as the retryable error and its ``wait_seconds`` (the channel's own
hint: points to refill, Retry-After) as the wait, jittered and capped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import RetryCallState

from services.connectors.channels.port import AdminError, RetryLater
from services.connectors.config import WriteBackSettings
from shared import retrying

T = TypeVar("T")


def budget(settings: WriteBackSettings) -> retrying.RetryBudget:
    return retrying.RetryBudget(
        attempts=settings.max_attempts,
        initial_seconds=settings.backoff_initial_seconds,
        max_seconds=settings.backoff_max_seconds,
        jitter_seconds=settings.jitter_seconds,
        hint_jitter_seconds=settings.jitter_seconds,
        max_wait_seconds=settings.max_wait_seconds,
    )


def _is_retry_later(error: BaseException) -> bool:
    return isinstance(error, RetryLater)


def _hint(error: BaseException) -> float | None:
    return error.wait_seconds if isinstance(error, RetryLater) else None


def retry_wait(settings: WriteBackSettings) -> Callable[[RetryCallState], float]:
    """The channel's own hint when it gave one, else jittered exponential backoff; never
    more than ``max_wait_seconds``."""
    return retrying.wait_strategy(budget(settings), _hint)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    settings: WriteBackSettings,
    *,
    on_failure: Callable[[AdminError], Awaitable[None]],
) -> T:
    """``call`` until it succeeds, is refused, or ``max_attempts`` tries have failed;
    ``on_failure`` hears of every failed try (retried or not)."""

    async def noted() -> T:
        try:
            return await call()
        except AdminError as error:
            await on_failure(error)
            raise

    return await retrying.with_retries(
        noted, budget(settings), retryable=_is_retry_later, hint=_hint
    )
