"""Local fakes of outside services, served over real HTTP on loopback for tests and demos."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

STARTUP_SECONDS = 10.0


class HeldAnswers:
    """Answers a fake holds back until the test lets them go: a race made certain by a
    signal, never widened by a delay. ``held`` is how many requests are waiting now."""

    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self.held = 0

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def until_held(self, count: int, *, timeout: float = 20.0) -> None:
        """Until ``count`` requests are held: a request the caller sent may still be on its
        way to the fake when the test sees the caller's other effects."""
        async with asyncio.timeout(timeout):
            while self.held < count:
                await asyncio.sleep(0.005)

    async def pass_through(self) -> None:
        """Return at once while open; else wait, counted in ``held``, until released."""
        if self._open.is_set():
            return
        self.held += 1
        try:
            await self._open.wait()
        finally:
            self.held -= 1


@asynccontextmanager
async def serving(app: ASGIApp, *, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port inside this event loop; yields its
    base URL and stops the server on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(STARTUP_SECONDS):
            while not server.started:
                if task.done():
                    task.result()  # raises what stopped the server from starting
                    raise RuntimeError("the fake server stopped before it started")
                await asyncio.sleep(0.005)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
