"""The loop every background worker runs (outbox relay, mail sender, write-backs): do a
batch; if it was full, go again at once; else sleep until woken or the interval passes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

log = logging.getLogger(__name__)


async def poll_forever(
    step: Callable[[], Awaitable[int]],
    *,
    wake: asyncio.Event,
    batch_size: int,
    interval: float,
    name: str,
    keep_going: Callable[[], bool] = lambda: True,
    pause_after_fault: float = 1.0,
    settle: float = 0.0,
    next_turn_in: Callable[[], Awaitable[float | None]] | None = None,
) -> None:
    """Run ``step`` (which returns how much it did) until cancelled or ``keep_going`` says
    stop. A fault is logged and retried after a pause: a worker never dies of one bad turn.
    After a wake, wait ``settle`` seconds first, so a burst of wakes costs one turn.
    ``next_turn_in``, asked after a turn that did not fill a batch, is when work waiting
    will be due (seconds; None: nothing waits): the worker then sleeps that long, if it is
    shorter than ``interval`` (then only a fallback for work another process staged)."""
    while keep_going():
        wake.clear()
        try:
            done = await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; retrying", name)
            await asyncio.sleep(pause_after_fault)
            continue
        if done >= batch_size:
            continue
        try:
            due_in = await next_turn_in() if next_turn_in is not None else None
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s could not tell when work is due", name)
            due_in = pause_after_fault
        timeout = interval if due_in is None else max(0.0, min(interval, due_in))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=timeout)
            if settle and keep_going():
                await asyncio.sleep(settle)


# However soon work is due, a worker pauses this long between turns: a row due but held
# for a moment by another process must not make it spin.
SHORTEST_PAUSE = timedelta(seconds=0.2)


def seconds_until(
    soonest: datetime | None, now: datetime, *, shortest: timedelta = SHORTEST_PAUSE
) -> float | None:
    """What a worker's ``next_turn_in`` answers for work due at ``soonest`` (None: none)."""
    if soonest is None:
        return None
    return max(soonest - now, shortest).total_seconds()


class PollingWorker:
    """A background task that runs ``step`` on the ``poll_forever`` loop, woken by ``wake()``.

    ``stop()`` lets the turn in hand finish for ``grace_seconds`` before cancelling it: a task
    cancelled in the middle of a database call can leave its pooled connection unusable, and
    a turn cut off must only roll back. Subclasses give ``step`` and, when they hold a
    resource for their lifetime (an HTTP client), ``open``/``close``."""

    def __init__(
        self,
        *,
        name: str,
        batch_size: int,
        interval: float,
        grace_seconds: float = 5.0,
        settle: float = 0.0,
    ) -> None:
        self.name = name
        self._settle = settle
        self._batch_size = batch_size
        self._interval = interval
        self._grace_seconds = grace_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def step(self) -> int:
        """One turn; how much it did (a full ``batch_size`` runs the next turn at once)."""
        raise NotImplementedError

    @property
    def stopping(self) -> bool:
        """True once ``stop()`` was called: a long turn should end at its next item."""
        return self._stopping

    def enabled(self) -> bool:
        """False: ``start()`` starts nothing (e.g. a channel not configured)."""
        return True

    def open(self) -> None:
        """Take what the turns need for the worker's lifetime, before the first one."""

    async def close(self) -> None:
        """Give back what ``open`` took, after the last turn."""

    async def next_turn_in(self) -> float | None:
        """Seconds until waiting work is due (when sooner than the interval); None: none
        waits, or the worker does not know (it then sleeps the interval)."""
        return None

    def wake(self) -> None:
        self._wake.set()

    @property
    def woken(self) -> bool:
        """True when a wake came since this turn began: the next turn runs at once."""
        return self._wake.is_set()

    def start(self) -> None:
        if not self.enabled():
            log.info("%s is not enabled", self.name)
            return
        self._stopping = False
        self.open()
        self._task = asyncio.create_task(
            poll_forever(
                self.step,
                wake=self._wake,
                batch_size=self._batch_size,
                interval=self._interval,
                name=self.name,
                keep_going=lambda: not self._stopping,
                settle=self._settle,
                next_turn_in=self.next_turn_in,
            ),
            name=self.name.replace(" ", "-"),
        )

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), timeout=self._grace_seconds)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        await self.close()
