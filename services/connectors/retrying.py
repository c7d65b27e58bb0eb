"""How a write-back retries: bounded tries, Shopify's own wait hints, jittered backoff."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from services.connectors.channels.port import AdminError, RetryLater
from services.connectors.config import WriteBackSettings

T = TypeVar("T")


def retry_wait(settings: WriteBackSettings) -> Callable[[RetryCallState], float]:
    """Shopify's own hint when it gave one (points to refill, Retry-After), else jittered
    exponential backoff; never more than ``max_wait_seconds``."""
    backoff = wait_exponential_jitter(
        multiplier=settings.backoff_initial_seconds,
        max=settings.backoff_max_seconds,
        jitter=settings.jitter_seconds,
    )

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        hint = error.wait_seconds if isinstance(error, RetryLater) else None
        if hint is None:
            seconds = backoff(state)
        else:
            seconds = hint + random.uniform(0, settings.jitter_seconds)
        return min(seconds, settings.max_wait_seconds)

    return wait


async def with_retries(
    call: Callable[[], Awaitable[T]],
    settings: WriteBackSettings,
    *,
    on_failure: Callable[[AdminError], Awaitable[None]],
) -> T:
    """``call`` until it succeeds, is refused, or ``max_attempts`` tries have failed."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(RetryLater),
        stop=stop_after_attempt(settings.max_attempts),
        wait=retry_wait(settings),
        reraise=True,
    ):
        with attempt:
            try:
                return await call()
            except AdminError as error:
                await on_failure(error)
                raise
    raise AssertionError("unreachable")  # pragma: no cover
