"""Run a service's ASGI app with uvicorn on its configured port, logging JSON lines.

A service's ``__main__`` turns the cyclic garbage collector off before its first import,
and ``QuietServer`` turns it on once the service has started: the imports and the app's
construction make hundreds of thousands of objects that live as long as the process, and
collecting again and again while they piled up was a quarter of a start's CPU (every
whole-system start of the suite pays it six times). They are then frozen out of every
later collection (``gc.freeze``): a collection under load scans only what the requests and
events made."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
from types import FrameType

import uvicorn

from shared.observability.logs import configure_logging
from shared.settings import get_settings

# uvicorn's date header changes once a second: its counter counts tenths.
TICKS_PER_SECOND = 10


class QuietServer(uvicorn.Server):
    """uvicorn's server, minus its ten wake-ups a second: the main loop ticks once a second
    (the date header's own pace) and a shutdown signal wakes it at once (issue 14: idle
    CPU). Everything else is uvicorn's own ``on_tick``."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit_requested: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        started_collecting()
        self._exit_requested = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + TICKS_PER_SECOND) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_requested.wait(), timeout=1.0)
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None and self._exit_requested is not None:
            self._loop.call_soon_threadsafe(self._exit_requested.set)


def started_collecting() -> None:
    """What the start made frozen out of every later collection, and the collector on
    again: when ``__main__`` turned it off. The start leaves about 2,000 objects of cyclic
    garbage among 180,000 (measured): kept for good, they cost less than the full
    collection that would find them (0.2 s of CPU)."""
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()


def serve(service: str, factory: str) -> None:
    settings = get_settings()
    # Imported first: libraries that attach handlers at import (FastStream) are then
    # re-pointed at the JSON handler too.
    importlib.import_module(factory.partition(":")[0])
    configure_logging(service, settings.log_level)
    config = uvicorn.Config(
        factory,
        factory=True,
        host=(settings.gateway_host or settings.host) if service == "gateway" else settings.host,
        port=getattr(settings.ports, service),
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go through the JSON handler configured above
        access_log=False,  # shared.observability.middleware logs each request instead
    )
    QuietServer(config).run()
