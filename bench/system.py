"""The whole system in a namespace of its own for a benchmark run: its own database prefix,
topic prefix and free ports, the e2e suite's process runner, one admin key."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from aiosmtpd.controller import Controller

from shared.db import asyncpg_dsn, drop_database, ensure_database
from shared.observability.kafka_admin import admin_client
from shared.settings import KafkaSettings, Ports, PostgresSettings, Settings
from tests.conftest import PROCESS_PORTS, ROOT, settings_env
from tests.e2e.conftest import PROCESSES, System

SERVICES = ("orders", "inventory", "production", "connectors", "trace")
# Below Linux's ephemeral range (32768–60999): a port the OS hands out for "any free port"
# can be taken by one of the many outbound connections the services open while starting.
QUIET_PORTS = range(20000, 32000)


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


def quiet_port(taken: set[int]) -> int:
    """A free port no outbound connection will be given meanwhile."""
    while True:
        port = random.choice(QUIET_PORTS)
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port


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


class MailSink:
    """The customers' mail server: accepts every message and keeps only a count. Without
    one, each order's confirmation would fail and be retried, and the run would measure
    those retries instead of a working system's cost."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.received += 1
        return "250 OK"


@contextlib.contextmanager
def mail_sink(port: int) -> Iterator[MailSink]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def instance_label(service: str, n: int) -> str:
    """The first instance is known by the service's name, the others ``<name>-<n>``."""
    return service if n == 1 else f"{service}-{n}"


def service_of(label: str) -> str:
    """``orders-2`` → ``orders``; a name without an instance number is its own service."""
    name, _, number = label.rpartition("-")
    return name if name and number.isdigit() else label


@contextlib.asynccontextmanager
async def running_system(logs: Path, *, instances: int = 1) -> AsyncIterator[Target]:
    """Start every process with an admin key made beforehand, their mail going to a sink of
    the run's own; stop them and drop their databases and topics at the end, whatever
    happened. ``instances``: processes of each consuming service (``SERVICES``), the
    others ``<name>-<n>`` on ports of their own, all in the same consumer groups; the
    gateway stays one."""
    if instances < 1:
        raise ValueError("instances must be at least 1")
    settings = bench_settings(uuid.uuid4().hex[:8])
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    taken = {getattr(settings.ports, name) for name in PROCESS_PORTS}
    smtp_port = quiet_port(taken)
    mail = {"LOTLINE_MAIL__SMTP_HOST": "127.0.0.1", "LOTLINE_MAIL__SMTP_PORT": str(smtp_port)}
    system = System(settings, logs, mail)
    sink = contextlib.ExitStack()
    try:
        sink.enter_context(mail_sink(smtp_port))
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
            raise RuntimeError(f"exited after starting: {gone}: {system.tail(gone[0])}")
        pids = {name: p.pid for name, p in system.processes.items()}
        webhooks: tuple[str, ...] = ()
        if instances > 1:
            connectors = [settings.ports.connectors] + [
                system.instance_ports[instance_label("connectors", n)]
                for n in range(2, instances + 1)
            ]
            webhooks = tuple(f"http://127.0.0.1:{port}" for port in connectors)
        yield Target(
            system.gateway, system.admin_headers, settings, pids,
            webhooks=webhooks, instances=instances,
        )  # fmt: skip
    finally:
        system.stop_all()
        sink.close()
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
