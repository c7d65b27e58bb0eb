"""The whole system as processes: four services and the gateway over real Kafka and
PostgreSQL, in this run's own namespace and ports."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiosmtpd.controller import Controller

from shared.db import drop_database
from shared.settings import Settings
from tests.conftest import ROOT, settings_env
from tests.containers import free_port
from tests.fakes.etsy import FakeEtsy
from tests.fakes.etsy import running_fake as etsy_fake
from tests.fakes.sendcloud import FakeSendcloud
from tests.fakes.sendcloud import running_fake as sendcloud_fake
from tests.fakes.shopify_admin import FakeShopifyAdmin
from tests.fakes.shopify_admin import running_fake as shopify_admin_fake

PROCESSES = ("orders", "inventory", "production", "connectors", "trace", "gateway")
T = TypeVar("T")


class System:
    """Start, kill and restart the processes; talk to the gateway."""

    def __init__(self, settings: Settings, logs: Path, extra_env: dict[str, str]) -> None:
        self.settings = settings
        self.env = {**settings_env(settings), **extra_env}
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

    def stop(self, name: str) -> None:
        """SIGTERM: a clean shutdown of one process."""
        process = self.processes[name]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)

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


class Mailbox:
    """A real SMTP server on loopback (aiosmtpd) that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The API fuzz leaves odd shops, items and lines behind in the shared system: it runs
    after every journey, so none of them meets those rows."""
    items.sort(key=lambda item: item.path.name == "test_openapi_fuzz.py")


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="session")
async def sendcloud() -> AsyncIterator[FakeSendcloud]:
    async with sendcloud_fake() as fake:
        yield fake


@pytest.fixture(scope="session")
async def shopify_admin() -> AsyncIterator[FakeShopifyAdmin]:
    async with shopify_admin_fake() as fake:
        yield fake


@pytest.fixture(scope="session")
async def etsy() -> AsyncIterator[FakeEtsy]:
    async with etsy_fake() as fake:
        yield fake


ETSY_WEBHOOK_SECRET = "whsec_bG90bGluZS1lMmUtZXRzeS1zaWduaW5nLWtleQ=="


def etsy_env(etsy: FakeEtsy, gateway_port: int) -> dict[str, str]:
    """The connectors talk to the Etsy fake; scheduled polls are rare, so a test sees
    only the polls it asked for (an operator's, or the webhook's)."""
    prefix = "LOTLINE_CONNECTORS__ETSY__"
    return {
        f"{prefix}KEYSTRING": etsy.keystring,
        f"{prefix}SHARED_SECRET": etsy.shared_secret,
        f"{prefix}WEBHOOK_SIGNING_SECRET": ETSY_WEBHOOK_SECRET,
        f"{prefix}API_BASE_URL": etsy.api_base_url,
        f"{prefix}TOKEN_URL": etsy.token_url,
        f"{prefix}AUTHORIZE_URL": etsy.authorize_url,
        f"{prefix}REDIRECT_URI": f"http://127.0.0.1:{gateway_port}/api/etsy/oauth/callback",
        f"{prefix}POLL_INTERVAL_SECONDS": "600",
    }


@pytest.fixture(scope="package")
async def system(
    settings: Settings,
    scratch_databases: None,
    tmp_path_factory: pytest.TempPathFactory,
    mailbox: Mailbox,
    sendcloud: FakeSendcloud,
    etsy: FakeEtsy,
) -> AsyncIterator[System]:
    logs = tmp_path_factory.mktemp("e2e-logs")
    fakes = {
        "LOTLINE_MAIL__SMTP_PORT": str(mailbox.port),
        "LOTLINE_MAIL__RETRY_BACKOFF_SECONDS": "0.5",
        "LOTLINE_MAIL__POLL_INTERVAL_SECONDS": "0.1",
        "LOTLINE_CARRIERS__SENDCLOUD_BASE_URL": sendcloud.base_url,
        "LOTLINE_CARRIERS__SENDCLOUD_PUBLIC_KEY": sendcloud.public_key,
        "LOTLINE_CARRIERS__SENDCLOUD_SECRET_KEY": sendcloud.secret_key,
        "LOTLINE_CARRIERS__SENDCLOUD_RETRY_INITIAL_SECONDS": "0.05",
        "LOTLINE_CONNECTORS__WRITE_BACK__POLL_INTERVAL_SECONDS": "0.2",
        "LOTLINE_CONNECTORS__WRITE_BACK__MAX_ATTEMPTS": "4",
        "LOTLINE_CONNECTORS__WRITE_BACK__BACKOFF_INITIAL_SECONDS": "0.05",
        "LOTLINE_CONNECTORS__WRITE_BACK__BACKOFF_MAX_SECONDS": "0.2",
        "LOTLINE_CONNECTORS__WRITE_BACK__JITTER_SECONDS": "0.01",
        "LOTLINE_CONNECTORS__WRITE_BACK__MAX_WAIT_SECONDS": "2",
        **etsy_env(etsy, settings.ports.gateway),
        # Shopify order sync (issue 4): a quick inbox, a frequent reconciliation, fast retries
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__INBOX_POLL_INTERVAL_SECONDS": "0.2",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RECONCILE_INTERVAL_SECONDS": "2",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__PAGE_SIZE": "7",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__MAX_ATTEMPTS": "6",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__BACKOFF_INITIAL_SECONDS": "0.05",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__BACKOFF_MAX_SECONDS": "0.2",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__JITTER_SECONDS": "0.01",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__MAX_WAIT_SECONDS": "2",
        # stock push (issue 4): quick debounce and a reconciliation every two seconds
        "LOTLINE_CONNECTORS__STOCK_PUSH__POLL_INTERVAL_SECONDS": "0.2",
        "LOTLINE_CONNECTORS__STOCK_PUSH__DEBOUNCE_SECONDS": "0.3",
        "LOTLINE_CONNECTORS__STOCK_PUSH__MAX_DELAY_SECONDS": "3",
        "LOTLINE_CONNECTORS__STOCK_PUSH__RECONCILE_INTERVAL_SECONDS": "2",
        "LOTLINE_CONNECTORS__STOCK_PUSH__FAILURE_BACKOFF_SECONDS": "1",
    }
    # Databases of their own: the processes' outbox relays must not publish rows that
    # integration tests stage in theirs.
    pg = settings.pg.model_copy(update={"database_prefix": f"{settings.pg.database_prefix}e2e_"})
    running = System(settings.model_copy(update={"pg": pg}), logs, fakes)
    for name in PROCESSES:
        running.start(name)
    try:
        await running.wait_ready()
        yield running
    finally:
        running.stop_all()
        for service in ("orders", "inventory", "production", "connectors", "trace"):
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
