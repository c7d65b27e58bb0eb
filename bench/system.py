"""The whole system in a namespace of its own for a benchmark run: its own database prefix,
topic prefix and free ports, the e2e suite's process runner, one admin key."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.db import asyncpg_dsn, drop_database, ensure_database
from shared.observability.kafka_admin import admin_client
from shared.settings import KafkaSettings, Ports, PostgresSettings, Settings
from tests.conftest import PROCESS_PORTS, ROOT, settings_env
from tests.containers import quiet_port
from tests.e2e.conftest import PROCESSES, System

SERVICES = ("orders", "inventory", "production", "connectors", "trace")


@dataclass(frozen=True)
class Target:
    """What a benchmark drives and reads: the gateway, its key, the settings the processes
    run with (databases, topics, ports) and their process ids, for CPU shares."""

    gateway: str
    headers: dict[str, str]
    settings: Settings
    pids: dict[str, int]
    run_dir: Path | None = None  # the supervisor's pids and logs, when supervised
    # Where the load sends its webhooks, round-robin: the gateway by default; with several
    # instances per service, each connectors instance directly (the gateway proxies to one
    # address per service, ``LOTLINE_UPSTREAMS__<NAME>``, and would send them all to one).
    webhooks: tuple[str, ...] = ()
    instances: int = 1  # processes per consuming service

    @property
    def webhook_bases(self) -> tuple[str, ...]:
        return self.webhooks or (self.gateway,)

    def pid(self, name: str) -> int | None:
        """The process's current pid: the supervisor's pid file when supervised (it
        changes with every restart), else the pid it was started with."""
        if self.run_dir is None:
            return self.pids.get(name)
        try:
            return int((self.run_dir / "pids" / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None


def bench_settings(run_id: str, base: Settings | None = None) -> Settings:
    """Settings of a fresh namespace, never the demo system's or a test run's; the servers
    of ``base`` (default: the environment's)."""
    base = base or Settings()
    taken: set[int] = set()
    return base.model_copy(
        update={
            "environment": "test",
            "pg": PostgresSettings(
                host=base.pg.host,
                port=base.pg.port,
                user=base.pg.user,
                password=base.pg.password,
                database_prefix=f"lotline_b{run_id}_",
            ),
            "kafka": KafkaSettings(
                bootstrap_servers=base.kafka.bootstrap_servers, topic_prefix=f"b{run_id}."
            ),
            "ports": Ports(**{name: quiet_port(taken) for name in PROCESS_PORTS}),
            "upstreams": {},
        }
    )


class MailSink(asyncio.Protocol):
    """The customers' mail server: accepts every message and keeps only a count. Without
    one, each order's confirmation would fail and be retried, and the run would measure
    those retries instead of a working system's cost.

    A few lines of SMTP on the benchmark's own event loop, answering each command without
    parsing it and skipping each message to its closing dot: aiosmtpd ran a thread of its
    own in the benchmark process (whose CPU the report counts as the load generator's) and
    parsed every command and message it then threw away."""

    GREETING = b"220 bench-mail-sink ESMTP\r\n"
    EHLO = b"250-bench-mail-sink\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
    END_OF_DATA = b"\r\n.\r\n"

    def __init__(self, counter: list[int]) -> None:
        self._counter = counter
        self._buffer = b""
        self._in_data = False
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(self.GREETING)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None:
            if self._in_data:
                end = self._buffer.find(self.END_OF_DATA)
                if end < 0:
                    self._buffer = self._buffer[-4:]  # a terminator split between reads
                    return
                self._buffer = self._buffer[end + len(self.END_OF_DATA) :]
                self._in_data = False
                self._counter[0] += 1
                self._transport.write(b"250 OK\r\n")
                continue
            end = self._buffer.find(b"\r\n")
            if end < 0:
                return
            verb, self._buffer = self._buffer[:4].upper(), self._buffer[end + 2 :]
            if verb == b"EHLO":
                self._transport.write(self.EHLO)
            elif verb == b"DATA":
                self._in_data = True
                # the line end before the data, so an empty message's ".\r\n" ends it too
                self._buffer = b"\r\n" + self._buffer
                self._transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                self._transport.write(b"221 Bye\r\n")
                self._transport.close()
                self._transport = None
            else:  # HELO, MAIL, RCPT, RSET, NOOP: all accepted
                self._transport.write(b"250 OK\r\n")

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


@contextlib.asynccontextmanager
async def mail_sink(port: int) -> AsyncIterator[list[int]]:
    """An SMTP server on ``port`` for the run; yields ``[messages received]``."""
    received = [0]
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: MailSink(received), "127.0.0.1", port)
    try:
        yield received
    finally:
        server.close()
        await server.wait_closed()


def instance_label(service: str, n: int) -> str:
    """The first instance is known by the service's name, the others ``<name>-<n>``."""
    return service if n == 1 else f"{service}-{n}"


def service_of(label: str) -> str:
    """``orders-2`` → ``orders``; a name without an instance number is its own service."""
    name, _, number = label.rpartition("-")
    return name if name and number.isdigit() else label


@contextlib.asynccontextmanager
async def running_system(logs: Path, *, instances: int = 1) -> AsyncIterator[Target]:
    """Every process started (``running_processes``), as a benchmark's target."""
    async with running_processes(logs, instances=instances) as system:
        yield target_of(system, instances)


def target_of(system: System, instances: int) -> Target:
    """What a benchmark drives of ``system``: its processes as they run now (after one was
    started again, its new pid); with several instances, the webhooks go to each
    connectors instance in turn."""
    webhooks: tuple[str, ...] = ()
    if instances > 1:
        connectors = [system.settings.ports.connectors] + [
            system.instance_ports[instance_label("connectors", n)] for n in range(2, instances + 1)
        ]
        webhooks = tuple(f"http://127.0.0.1:{port}" for port in connectors)
    pids = {name: p.pid for name, p in system.processes.items()}
    return Target(
        system.gateway, system.admin_headers, system.settings, pids,
        webhooks=webhooks, instances=instances,
    )  # fmt: skip


class PortTaken(RuntimeError):
    """A process lost its port to another between the pick and its bind."""


# Starts of a whole system tried when a process lost its port (another system starting on
# the same box picked it too): each try on fresh ports.
STARTS = 3


@contextlib.asynccontextmanager
async def running_processes(logs: Path, *, instances: int = 1) -> AsyncIterator[System]:
    """Start every process with an admin key made beforehand, their mail going to a sink of
    the run's own; stop them and drop their databases and topics at the end, whatever
    happened. ``instances``: processes of each consuming service (``SERVICES``), the
    others ``<name>-<n>`` on ports of their own, all in the same consumer groups; the
    gateway stays one. Yields the processes, to stop and start one of them. A start where
    a process lost its port is undone and tried again on other ports."""
    if instances < 1:
        raise ValueError("instances must be at least 1")
    for start in range(1, STARTS + 1):
        try:
            where = logs if start == 1 else logs / f"start-{start}"
            async with _started(where, instances) as system:
                yield system
            return
        except PortTaken:
            if start == STARTS:
                raise


@contextlib.asynccontextmanager
async def _started(logs: Path, instances: int) -> AsyncIterator[System]:
    settings = bench_settings(uuid.uuid4().hex[:8])
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    taken = {getattr(settings.ports, name) for name in PROCESS_PORTS}
    smtp_port = quiet_port(taken)
    mail = {"LOTLINE_MAIL__SMTP_HOST": "127.0.0.1", "LOTLINE_MAIL__SMTP_PORT": str(smtp_port)}
    system = System(settings, logs, mail)
    sink = contextlib.AsyncExitStack()
    try:
        await sink.enter_async_context(mail_sink(smtp_port))
        key = await asyncio.to_thread(system.manage, "create-key", "bench", "--scope", "admin")
        system.api_key = key.strip()
        for name in PROCESSES:
            system.start(name)
        for n in range(2, instances + 1):
            for name in SERVICES:
                label = instance_label(name, n)
                system.instance_ports[label] = quiet_port(taken)
                system.start(name, instance=label, port=system.instance_ports[label])
        await system.wait_ready()
        await system.wait_ready(ports=system.instance_ports)
        await asyncio.sleep(2)  # a process that lost its port exits just after its startup
        gone = [name for name, p in system.processes.items() if p.poll() is not None]
        if gone:
            why = f"exited after starting: {gone}: {system.tail(gone[0])}"
            lost_port = any("address already in use" in system.tail(name) for name in gone)
            raise PortTaken(why) if lost_port else RuntimeError(why)
        yield system
    finally:
        system.stop_all()
        await sink.aclose()
        for name in PROCESSES:
            await drop_database(settings.pg, settings.pg.database(name))
        await drop_topics(settings.kafka)


async def drop_topics(kafka: KafkaSettings) -> None:
    """Every topic under the run's prefix (the services create them as they start)."""
    async with admin_client(kafka) as admin:
        mine = [t for t in await admin.list_topics() if t.startswith(kafka.topic_prefix)]
        if mine:
            await admin.delete_topics(mine)


SUPERVISOR = ROOT / "deploy" / "supervisor.py"


@contextlib.asynccontextmanager
async def supervised_system(
    run_dir: Path, extra_env: dict[str, str] | None = None, base: Settings | None = None
) -> AsyncIterator[Target]:
    """The whole system started and supervised by ``deploy/supervisor.py`` (the watcher of
    ``make up``), in a namespace of its own: a process that dies is started again by the
    supervisor, never by the caller. Its pid files and logs go to ``run_dir``
    (``logs/supervisor.log`` says who died and when it came back). Stopped with
    ``supervisor.py down``; databases and topics dropped at the end."""
    settings = bench_settings(uuid.uuid4().hex[:8], base)
    await asyncio.to_thread(run_dir.mkdir, parents=True, exist_ok=True)
    taken = {getattr(settings.ports, name) for name in PROCESS_PORTS}
    env = {
        **settings_env(settings),
        "LOTLINE_RUN_DIR": str(run_dir),
        "LOTLINE_MAIL__SMTP_PORT": str(quiet_port(taken)),
        "LOTLINE_MAIL__SMTP_HOST": "127.0.0.1",
        "LOTLINE_DEMO_MARKETPLACES": "0",  # the demo's fixed port belongs to `make run`
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    system = System(settings, run_dir, {})
    system.env = env
    supervise = [sys.executable, str(SUPERVISOR)]

    def call(command: str, timeout: float) -> None:
        with open(run_dir / "supervisor-cli.log", "ab") as out:
            subprocess.run(
                [*supervise, command], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                timeout=timeout, check=command != "down",
            )  # fmt: skip

    try:
        for name in PROCESSES:
            await durable_database(settings, name)
        key = await asyncio.to_thread(system.manage, "create-key", "chaos", "--scope", "admin")
        system.api_key = key.strip()
        await asyncio.to_thread(call, "up", 180)
        target = Target(system.gateway, system.admin_headers, settings, {}, run_dir)
        pids = {name: pid for name in PROCESSES if (pid := target.pid(name)) is not None}
        yield Target(system.gateway, system.admin_headers, settings, pids, run_dir)
    finally:
        await asyncio.to_thread(call, "down", 120)
        for name in PROCESSES:
            with contextlib.suppress(OSError):
                await drop_database(settings.pg, settings.pg.database(name))
        with contextlib.suppress(Exception):
            await drop_topics(settings.kafka)


async def durable_database(settings: Settings, name: str) -> None:
    """Create the process's database beforehand with ``synchronous_commit = on``: the local
    dev cluster turns durability off for speed (deploy/infra.sh), so a PostgreSQL crash there
    forgets the last commits it acknowledged — an order a service committed, and whose Kafka
    offset it committed after, would be gone. A real server keeps what it acknowledged; so do
    the databases of a run that crashes PostgreSQL on purpose."""
    database = settings.pg.database(name)
    await ensure_database(settings.pg, database)
    conn = await asyncpg.connect(asyncpg_dsn(settings.pg.url_for_database("postgres")))
    try:
        await conn.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = on')
    finally:
        await conn.close()


def supervisor_log(run_dir: Path) -> str:
    path = run_dir / "logs" / "supervisor.log"
    return path.read_text(errors="replace") if path.exists() else ""
