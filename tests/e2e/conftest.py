"""The whole system as processes: four services and the gateway over real Kafka and
PostgreSQL, in this run's own namespace and ports."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from shared.db import drop_database
from shared.settings import Settings
from tests.conftest import ROOT, settings_env

PROCESSES = ("orders", "inventory", "production", "connectors", "gateway")
T = TypeVar("T")


class System:
    """Start, kill and restart the processes; talk to the gateway."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.settings = settings
        self.env = settings_env(settings)
        self.logs = logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.gateway = f"http://127.0.0.1:{settings.ports.gateway}"

    def start(self, name: str) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hooks, no final commits — a crash."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    async def wait_ready(self, *names: str, timeout: float = 90.0) -> None:
        ports = {n: getattr(self.settings.ports, n) for n in names or PROCESSES}
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + timeout
            pending = dict(ports)
            while pending and time.monotonic() < deadline:
                for name, port in list(pending.items()):
                    process = self.processes[name]
                    if process.poll() is not None:
                        raise RuntimeError(f"{name} exited: {self.tail(name)}")
                    try:
                        answer = await client.get(f"http://127.0.0.1:{port}/openapi.json")
                        if answer.status_code == 200:
                            del pending[name]
                    except httpx.HTTPError:
                        pass
                await asyncio.sleep(0.3)
            if pending:
                raise RuntimeError(f"not ready: {list(pending)}")

    def tail(self, name: str, lines: int = 30) -> str:
        text = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


async def eventually(
    probe: Callable[[], Awaitable[T]],
    accept: Callable[[T], bool],
    *,
    timeout: float = 60.0,
    interval: float = 0.2,
) -> T:
    """Poll ``probe`` until ``accept`` holds; fail with the last value at the deadline."""
    deadline = time.monotonic() + timeout
    value = await probe()
    while not accept(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value!r}")
        await asyncio.sleep(interval)
        value = await probe()
    return value


@pytest.fixture(scope="session")
async def system(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    logs = tmp_path_factory.mktemp("e2e-logs")
    # Databases of their own: the processes' outbox relays must not publish rows that
    # integration tests stage in theirs.
    pg = settings.pg.model_copy(update={"database_prefix": f"{settings.pg.database_prefix}e2e_"})
    running = System(settings.model_copy(update={"pg": pg}), logs)
    for name in PROCESSES:
        running.start(name)
    try:
        await running.wait_ready()
        yield running
    finally:
        running.stop_all()
        for service in ("orders", "inventory", "production", "connectors"):
            await drop_database(pg, pg.database(service))
        if os.environ.get("LOTLINE_KEEP_E2E_LOGS"):
            print(f"e2e logs in {logs}")


@pytest.fixture
async def gateway(system: System) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=system.gateway, timeout=30.0) as client:
        yield client


async def json_of(answer: httpx.Response) -> Any:
    assert answer.status_code < 400, answer.text
    return answer.json()
