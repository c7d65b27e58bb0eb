"""A service stops its background workers all at once: each may take its grace to finish
the turn in hand, and a shutdown waits for the longest of them, not for their sum."""

from __future__ import annotations

import asyncio
from pathlib import Path

from shared.runtime import ServiceRuntime
from shared.settings import Settings


class SlowToStop:
    """A worker whose stop returns only once every worker of the service began stopping."""

    def __init__(self, stopping: list[str], everyone: asyncio.Event, name: str, of: int) -> None:
        self._stopping, self._everyone, self._name, self._of = stopping, everyone, name, of

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        self._stopping.append(self._name)
        if len(self._stopping) == self._of:
            self._everyone.set()
        await self._everyone.wait()


async def test_every_worker_begins_stopping_before_any_has_stopped() -> None:
    runtime = ServiceRuntime("orders", Settings(), migrations_dir=Path("."))
    stopping: list[str] = []
    everyone = asyncio.Event()
    for name in ("mail sender", "write-back worker", "stock push"):
        runtime.add_worker(SlowToStop(stopping, everyone, name, of=3))

    # one after the other, the first would wait forever for the others to begin
    await asyncio.wait_for(runtime.stop(), timeout=10)

    assert sorted(stopping) == ["mail sender", "stock push", "write-back worker"]
