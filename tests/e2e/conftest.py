"""The whole system as processes: four services and the gateway over real Kafka and
PostgreSQL, in this run's own namespace and ports."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiosmtpd.controller import Controller

from shared import outbox
from shared.contracts import topics
from shared.db import create_engine, drop_database
from shared.settings import Ports, Settings
from tests import kafka_marks
from tests.conftest import PROCESS_PORTS, ROOT, settings_env
from tests.containers import free_port, quiet_port
from tests.fakes.amazon import FakeAmazon
from tests.fakes.amazon import running_fake as amazon_fake
from tests.fakes.amazon_sqs import FakeQueue, running_queue
from tests.fakes.etsy import FakeEtsy
from tests.fakes.etsy import running_fake as etsy_fake
from tests.fakes.sendcloud import FakeSendcloud
from tests.fakes.sendcloud import running_fake as sendcloud_fake
from tests.fakes.shopify_admin import FakeShopifyAdmin
from tests.fakes.shopify_admin import running_fake as shopify_admin_fake
from tests.fakes.woocommerce import FakeWooCommerce
from tests.fakes.woocommerce import running_fake as woocommerce_fake

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
        self.api_key = ""
        self.keys: dict[str, str] = {}
        self.instance_ports: dict[str, int] = {}  # a second instance's label → its port

    @property
    def admin_headers(self) -> dict[str, str]:
        """The bearer key (admin scope) the suite seeds and drives the system with."""
        return {"Authorization": f"Bearer {self.api_key}"}

    @property
    def operator_headers(self) -> dict[str, str]:
        """A write-scoped key: what an operator's script is allowed."""
        return {"Authorization": f"Bearer {self.keys['write']}"}

    def manage(self, *args: str) -> str:
        """``python -m services.gateway.manage …`` against this system's gateway database."""
        done = subprocess.run(
            [sys.executable, "-m", "services.gateway.manage", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def create_admin_key(self) -> None:
        """The suite's admin key, by the CLI (``manage create-key``), which also migrates
        the fresh gateway database before the gateway starts."""
        self.api_key = self.manage("create-key", "e2e-admin", "--scope", "admin").strip()
        self.keys["admin"] = self.api_key

    async def create_scoped_keys(self) -> None:
        """A read and a write key, through the admin API of the running gateway: a CLI run
        each would be two more Python start-ups (two seconds of CPU) per system."""
        async with httpx.AsyncClient(base_url=self.gateway, headers=self.admin_headers) as client:
            for scope in ("read", "write"):
                answer = await client.post(
                    "/api/api-keys", json={"name": f"e2e-{scope}", "scope": scope}
                )
                assert answer.status_code == 201, answer.text
                self.keys[scope] = answer.json()["key"]

    async def create_user(self, role: str, *, locale: str | None = None) -> tuple[str, str]:
        """A new person with ``role``; their username and password."""
        username = f"{role}-{uuid.uuid4().hex[:8]}"
        password = f"pw-{uuid.uuid4().hex}"
        async with httpx.AsyncClient(base_url=self.gateway, headers=self.admin_headers) as client:
            answer = await client.post(
                "/api/users",
                json={"username": username, "password": password, "role": role, "locale": locale},
            )
            assert answer.status_code == 201, answer.text
        return username, password

    async def signed_in(self, role: str, *, locale: str | None = None) -> httpx.AsyncClient:
        """A browser-like client of a new ``role`` user, signed in through the real /login
        form: it holds the session cookie and sends the session's CSRF token on writes.
        The caller closes it (``async with await system.signed_in("viewer") as c:``)."""
        username, password = await self.create_user(role, locale=locale)
        client = httpx.AsyncClient(base_url=self.gateway, timeout=30.0)
        await sign_in(client, username, password)
        me = (await client.get("/api/me")).json()
        client.headers["X-CSRF-Token"] = me["csrf_token"]
        return client

    def start(self, name: str, *, instance: str | None = None, port: int | None = None) -> None:
        """Start service ``name``; ``instance`` labels another process of the same service
        (its log, and the name ``kill``/``stop`` know it by), listening on ``port``."""
        label = instance or name
        env = dict(self.env)
        if port is not None:
            env[f"LOTLINE_PORTS__{name.upper()}"] = str(port)
        log = open(self.logs / f"{label}.log", "ab")  # noqa: SIM115 - owned by the child
        self.processes[label] = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            cwd=ROOT,
            env=env,
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

    async def wait_ready(
        self, *names: str, timeout: float = 90.0, ports: dict[str, int] | None = None
    ) -> None:
        """Until each process answers on its port (``ports``: instances started on another)."""
        if ports is None:
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
                        probe = "/healthz" if name == "gateway" else "/openapi.json"
                        answer = await client.get(f"http://127.0.0.1:{port}{probe}")
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


# The services whose database has an outbox (``shared.outbox``): events staged there are
# on their way to Kafka.
OUTBOX_SERVICES = ("orders", "inventory", "production", "connectors", "trace")


async def unpublished(system: System) -> int:
    """Events staged in the services' outboxes and not yet published."""
    total = 0
    for service in OUTBOX_SERVICES:
        engine = create_engine(system.settings.pg.url(service), pool_size=1)
        try:
            total += await outbox.pending_count(engine)
        finally:
            await engine.dispose()
    return total


async def all_handled(system: System, *, timeout: float = 60.0) -> None:
    """Nothing is on its way any more: every consumer group of the system has committed
    past every event published so far, no outbox holds an event, and no event was
    published meanwhile (what handling caused was handled too). The marker that proves a
    wrong extra event did not come, instead of a sleep that hopes it would have come by now.
    Background jobs (re-plans, reconciliations) that publish keep it waiting for a quiet
    moment, up to ``timeout``."""
    kafka = system.settings.kafka
    names = [kafka.topic(name) for name in topics.ALL]
    deadline = time.monotonic() + timeout
    marks = await kafka_marks.end_offsets(kafka, names)
    while True:
        left = max(deadline - time.monotonic(), 0.1)
        await kafka_marks.wait_processed(kafka, marks, timeout=left)
        await eventually(lambda: unpublished(system), lambda n: n == 0, timeout=left)
        now = await kafka_marks.end_offsets(kafka, names)
        if now == marks:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the system did not go quiet within {timeout}s")
        marks = now


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


@pytest.fixture(scope="session")
async def woocommerce() -> AsyncIterator[FakeWooCommerce]:
    async with woocommerce_fake() as fake:
        yield fake


@pytest.fixture(scope="session")
async def amazon() -> AsyncIterator[FakeAmazon]:
    # Amazon's getOrders plan is one call a minute; the fake's is quicker so a test's
    # throttled calls wait a fraction of a second (its rate header tells the connectors).
    async with amazon_fake(rates={"getOrders": (4.0, 20), "getOrderItems": (10.0, 30)}) as fake:
        yield fake


@pytest.fixture(scope="session")
async def amazon_queue() -> AsyncIterator[FakeQueue]:
    """The SQS queue of the app's ORDER_CHANGE notifications, on moto in server mode."""
    async with running_queue() as queue:
        yield queue


def amazon_env(amazon: FakeAmazon, queue: FakeQueue) -> dict[str, str]:
    """The connectors talk to the Amazon fake in every region and read notifications from
    the moto queue; scheduled polls are rare."""
    prefix = "LOTLINE_CONNECTORS__AMAZON__"
    regions = {region: amazon.base_url for region in ("na", "eu", "fe")}
    return {
        **queue.env(),
        f"{prefix}LWA_TOKEN_URL": amazon.token_url,
        f"{prefix}ENDPOINTS": json.dumps(regions),
        f"{prefix}POLL_INTERVAL_SECONDS": "600",
    }


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


# The shop whose handling takes no day (and the Express service's one-day transit) in the
# suite's settings: ``test_promise_terms``.
EXPRESS_SHOP = "e2e-express-bakery.myshopify.com"


# Starts of the suite's system tried when a process lost its port between the pick and
# its bind (another system starting on the box took it): each on fresh ports.
STARTS = 3


def lost_its_port(error: BaseException) -> bool:
    return "address already in use" in str(error)


@pytest.fixture(scope="package")
async def system(
    settings: Settings,
    scratch_databases: None,
    tmp_path_factory: pytest.TempPathFactory,
    mailbox: Mailbox,
    sendcloud: FakeSendcloud,
    etsy: FakeEtsy,
    amazon: FakeAmazon,
    amazon_queue: FakeQueue,
) -> AsyncIterator[System]:
    logs = tmp_path_factory.mktemp("e2e-logs")
    fakes = {
        "LOTLINE_MAIL__SMTP_PORT": str(mailbox.port),
        "LOTLINE_MAIL__RETRY_BACKOFF_SECONDS": "0.5",
        # httpx (like any client) keeps Secure cookies off plain HTTP; the suite's gateway
        # answers plain HTTP on loopback. Production refuses this setting.
        "LOTLINE_GATEWAY__COOKIE_SECURE": "false",
        "LOTLINE_GATEWAY__API_KEY_TOUCH_SECONDS": "0",
        "LOTLINE_CARRIERS__SENDCLOUD_BASE_URL": sendcloud.base_url,
        "LOTLINE_CARRIERS__SENDCLOUD_PUBLIC_KEY": sendcloud.public_key,
        "LOTLINE_CARRIERS__SENDCLOUD_SECRET_KEY": sendcloud.secret_key,
        "LOTLINE_CARRIERS__SENDCLOUD_RETRY_INITIAL_SECONDS": "0.05",
        "LOTLINE_CONNECTORS__WRITE_BACK__MAX_ATTEMPTS": "4",
        "LOTLINE_CONNECTORS__WRITE_BACK__BACKOFF_INITIAL_SECONDS": "0.05",
        "LOTLINE_CONNECTORS__WRITE_BACK__BACKOFF_MAX_SECONDS": "0.2",
        "LOTLINE_CONNECTORS__WRITE_BACK__JITTER_SECONDS": "0.01",
        "LOTLINE_CONNECTORS__WRITE_BACK__MAX_WAIT_SECONDS": "2",
        **amazon_env(amazon, amazon_queue),
        # Shopify order sync (issue 4): a quick inbox, a frequent reconciliation, fast retries
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__INBOX_POLL_INTERVAL_SECONDS": "0.2",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RECONCILE_INTERVAL_SECONDS": "2",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__PAGE_SIZE": "7",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__MAX_ATTEMPTS": "6",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__BACKOFF_INITIAL_SECONDS": "0.05",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__BACKOFF_MAX_SECONDS": "0.2",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__JITTER_SECONDS": "0.01",
        "LOTLINE_CONNECTORS__SHOPIFY_SYNC__RETRY__MAX_WAIT_SECONDS": "2",
        # WooCommerce: small pages, so a reconciliation walks several; fast retries of its
        # calls follow the write-back settings above; scheduled runs are rare (a test asks)
        "LOTLINE_CONNECTORS__WOOCOMMERCE__PAGE_SIZE": "2",
        "LOTLINE_CONNECTORS__WOOCOMMERCE__RECONCILE_INTERVAL_SECONDS": "600",
        # stock push (issue 4): quick debounce and a reconciliation every two seconds
        "LOTLINE_CONNECTORS__STOCK_PUSH__DEBOUNCE_SECONDS": "0.3",
        "LOTLINE_CONNECTORS__STOCK_PUSH__MAX_DELAY_SECONDS": "3",
        "LOTLINE_CONNECTORS__STOCK_PUSH__RECONCILE_INTERVAL_SECONDS": "2",
        "LOTLINE_CONNECTORS__STOCK_PUSH__FAILURE_BACKOFF_SECONDS": "1",
        # promise terms (issue 18): one shop hands over the same day, Express takes a day
        "LOTLINE_PROMISE__HANDLING_DAYS_BY_SHOP": json.dumps({EXPRESS_SHOP: 0}),
        "LOTLINE_PROMISE__TRANSIT_DAYS_BY_SERVICE": json.dumps({"Express": 1}),
    }
    # Databases of their own: the processes' outbox relays must not publish rows that
    # integration tests stage in theirs.
    pg = settings.pg.model_copy(update={"database_prefix": f"{settings.pg.database_prefix}e2e_"})
    running: System | None = None
    try:
        for start in range(1, STARTS + 1):
            # Ports picked now, not when the run began: by the time a worker reaches its
            # journeys, another worker's processes may have bound the run's own.
            taken: set[int] = set()
            ports = Ports(**{name: quiet_port(taken) for name in PROCESS_PORTS})
            env = {**fakes, **etsy_env(etsy, ports.gateway)}
            running = System(settings.model_copy(update={"pg": pg, "ports": ports}), logs, env)
            # The gateway's database and the suite's admin key exist before it starts.
            await asyncio.to_thread(running.create_admin_key)
            for name in PROCESSES:
                running.start(name)
            try:
                await running.wait_ready()
                break
            except RuntimeError as error:
                running.stop_all()
                if start == STARTS or not lost_its_port(error):
                    raise
        assert running is not None
        await running.create_scoped_keys()
        yield running
    finally:
        if running is not None:
            running.stop_all()
        for service in ("orders", "inventory", "production", "connectors", "trace", "gateway"):
            await drop_database(pg, pg.database(service))
        if os.environ.get("LOTLINE_KEEP_E2E_LOGS"):
            print(f"e2e logs in {logs}")


@pytest.fixture
async def gateway(system: System) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway, as the admin key the suite seeds with."""
    async with httpx.AsyncClient(
        base_url=system.gateway, timeout=30.0, headers=system.admin_headers
    ) as client:
        yield client


AdminShop = Callable[[], Awaitable[tuple[str, str]]]


@pytest.fixture
async def admin_shop(
    gateway: httpx.AsyncClient, shopify_admin: FakeShopifyAdmin
) -> AsyncIterator[AdminShop]:
    """Connects new shops (domain, webhook secret) to the suite's Shopify Admin fake, and
    disconnects them after the test: the suite's system would otherwise reconcile each one's
    orders and stock levels every two seconds for the rest of the run."""
    domains: list[str] = []

    async def connect() -> tuple[str, str]:
        domain, secret = f"ship-{uuid.uuid4().hex[:8]}.myshopify.com", uuid.uuid4().hex
        await json_of(
            await gateway.post(
                "/api/shops",
                json={
                    "domain": domain,
                    "webhook_secret": secret,
                    "admin_api_url": shopify_admin.url,
                    "access_token": shopify_admin.access_token,
                    "notify_customer": False,
                },
            )
        )
        domains.append(domain)
        return domain, secret

    yield connect
    for domain in domains:
        await json_of(await gateway.patch(f"/api/shops/{domain}", json={"access_token": None}))


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """Sign in through the real form: fetch it (its CSRF cookie and token), then post it."""
    form = await client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    return await client.post(
        "/login",
        data={"username": username, "password": password, "login_token": token.group(1)},
    )


async def json_of(answer: httpx.Response) -> Any:
    assert answer.status_code < 400, answer.text
    return answer.json()
