"""The loop every background worker runs (outbox relay, mail sender, write-backs): do a
batch; if it was full, go again at once; else sleep until woken or the interval passes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

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
) -> None:
    """Run ``step`` (which returns how much it did) until cancelled or ``keep_going`` says
    stop. A fault is logged and retried after a pause: a worker never dies of one bad turn."""
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
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=interval)
