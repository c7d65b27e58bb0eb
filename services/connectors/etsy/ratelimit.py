"""Etsy's per-app limits held on our side: 10 requests a second, shared by every caller in
the process, and 10,000 a day, counted in the database (see ``repository.spend_daily_call``)
so restarts and other processes spend the same budget.

Per second: a bucket of ``limit`` tokens, where a token comes back one window after the
request that held it was *answered*. Etsy counts a request when it arrives, which is
between our send and its answer; so measuring from the answer, no second at Etsy's end
ever holds more than ``limit`` of our requests, however the network delays them. (A bucket
refilled at 10/s from the send would let a slow first request and a fast eleventh meet in
one second at Etsy, and be answered 429.) Callers queue in order on one lock.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class Token:
    """One request's place in the bucket; ``answered_at`` is set when its answer came."""

    answered_at: float | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)


def seconds_until_free(answered_at: float, *, window: float, now: float) -> float:
    """How long a token answered at ``answered_at`` is still out. Pure."""
    return max(0.0, answered_at + window - now)


class PerSecondLimiter:
    """The process-wide bucket of one Etsy app (one keystring)."""

    def __init__(
        self,
        per_second: int,
        *,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = per_second
        self.window = window
        self._clock = clock  # clock and sleep: injected by tests, which run on virtual time
        self._sleep = sleep
        self._tokens: deque[Token] = deque()
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a token for the length of one request (its answer included)."""
        token = await self._take()
        try:
            yield
        finally:
            token.answered_at = self._clock()
            token.answered.set()

    async def _take(self) -> Token:
        async with self._lock:
            if len(self._tokens) >= self.limit:
                oldest = self._tokens.popleft()
                await oldest.answered.wait()
                assert oldest.answered_at is not None
                wait = seconds_until_free(oldest.answered_at, window=self.window, now=self._clock())
                if wait > 0:
                    await self._sleep(wait)
            token = Token()
            self._tokens.append(token)
            return token


_LIMITERS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, int], PerSecondLimiter]
] = weakref.WeakKeyDictionary()


def limiter_for(keystring: str, per_second: int) -> PerSecondLimiter:
    """One limiter per app and event loop, whoever asks (poller, write-backs, webhooks)."""
    limiters = _LIMITERS.setdefault(asyncio.get_running_loop(), {})
    key = (keystring, per_second)
    if key not in limiters:
        limiters[key] = PerSecondLimiter(per_second)
    return limiters[key]
