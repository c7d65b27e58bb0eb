"""Amazon's rate limits held on our side: one token bucket per selling partner and
operation (the usage plan Amazon applies: ``getOrders`` 0.0167/s with a burst of 20,
``getOrderItems`` 0.5/s with a burst of 30).

A bucket starts full (``burst`` tokens) and refills at ``rate`` a second; a call takes one
token, waiting for it when none is left. Amazon's answer may carry ``x-amzn-RateLimit-Limit``
(the rate it applies to this caller now): the bucket takes that rate from then on. A 429
empties the bucket, so the next call waits a whole token's refill. The buckets are the
process's; two connectors instances each keep their own (a 429 then corrects them).
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class Bucket:
    """Tokens available at ``updated`` (monotonic seconds). Pure arithmetic."""

    rate: float
    burst: int
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def seconds_until_token(self, now: float) -> float:
        """How long until one whole token is there (0 when one is)."""
        self.refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


def header_rate(value: str | None) -> float | None:
    """``x-amzn-RateLimit-Limit``: requests a second, a positive finite number; else None."""
    if value is None:
        return None
    try:
        rate = float(value.strip())
    except ValueError:
        return None
    return rate if math.isfinite(rate) and rate > 0 else None


class OperationLimiter:
    """The buckets of one process, keyed by (selling partner, operation)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock  # injected by tests, which run on virtual time
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def bucket(self, seller: str, operation: str, *, rate: float, burst: int) -> Bucket:
        key = (seller, operation)
        if key not in self._buckets:
            self._buckets[key] = Bucket(rate=rate, burst=burst, tokens=burst, updated=self._clock())
        return self._buckets[key]

    async def take(self, seller: str, operation: str, *, rate: float, burst: int) -> None:
        """Wait for, then spend, one token of the operation's bucket (callers queue in order)."""
        bucket = self.bucket(seller, operation, rate=rate, burst=burst)
        lock = self._locks.setdefault((seller, operation), asyncio.Lock())
        async with lock:
            while (wait := bucket.seconds_until_token(self._clock())) > 0:
                await self._sleep(wait)
            bucket.tokens -= 1.0

    def observe(self, seller: str, operation: str, limit_header: str | None) -> None:
        """Amazon said which rate applies: the bucket refills at that rate from now on."""
        rate = header_rate(limit_header)
        bucket = self._buckets.get((seller, operation))
        if rate is not None and bucket is not None:
            bucket.refill(self._clock())
            bucket.rate = rate

    def throttled(self, seller: str, operation: str) -> float:
        """A 429: nothing is left; the seconds until a token is back (the retry's hint)."""
        bucket = self._buckets.get((seller, operation))
        if bucket is None:
            return 1.0
        bucket.refill(self._clock())
        bucket.tokens = 0.0
        return 1.0 / bucket.rate


_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, OperationLimiter] = (
    weakref.WeakKeyDictionary()
)


def process_limiter() -> OperationLimiter:
    """One limiter per event loop, whoever asks (the poller, the write-backs, operators)."""
    loop = asyncio.get_running_loop()
    if loop not in _LIMITERS:
        _LIMITERS[loop] = OperationLimiter()
    return _LIMITERS[loop]
