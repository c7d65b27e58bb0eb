"""What the benchmark reads from outside the services: the orders' and connectors' own
timestamps, /metrics, /proc CPU ticks, pg_stat_database and the topics' end offsets."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from bench.system import SERVICES, Target, service_of
from shared.contracts import topics
from shared.db import asyncpg_dsn
from shared.observability.kafka_admin import admin_client, offsets_reader
from shared.settings import PostgresSettings, Settings

SETTLED = ("ready_to_ship", "awaiting_production", "awaiting_materials", "on_hold")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class OrderRow:
    order_id: str
    status: str
    settled_at: float | None  # epoch seconds of its first settled status
    settled_as: str | None


async def _connect(pg: PostgresSettings, database: str) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(pg.url_for_database(database)))


async def orders_by_external_id(
    settings: Settings, external_ids: Sequence[str], *, channel: str = "shopify"
) -> dict[str, list[OrderRow]]:
    """Every order of those channel ids (two rows for one id would be a duplicate)."""
    conn = await _connect(settings.pg, settings.pg.database("orders"))
    try:
        rows = await conn.fetch(
            """
            SELECT o.external_id, o.id::text AS order_id, o.status,
                   extract(epoch FROM first.at)::float8 AS settled_at, first.status AS settled_as
            FROM orders_order o
            LEFT JOIN LATERAL (
                SELECT h.at, h.status FROM orders_status_history h
                WHERE h.order_id = o.id AND h.status = ANY($2::text[])
                ORDER BY h.at, h.id LIMIT 1
            ) first ON true
            WHERE o.channel = $3 AND o.external_id = ANY($1::text[])
            """,
            list(external_ids),
            list(SETTLED),
            channel,
        )
    finally:
        await conn.close()
    found: dict[str, list[OrderRow]] = {}
    for r in rows:
        row = OrderRow(r["order_id"], r["status"], r["settled_at"], r["settled_as"])
        found.setdefault(r["external_id"], []).append(row)
    return found


@dataclass(frozen=True)
class Settlement:
    """What the inventory and production databases hold for the orders of a rate, line by
    line: a line is exact when its reservations and its production demand add up to what
    was asked, no more and no less (an order on hold for an unmapped SKU has no line there
    and must hold nothing)."""

    orders: int
    lines: int
    exact: int
    over: int  # more reserved and demanded than asked: oversold or counted twice
    under: int  # less: a settled order missing its reservation or its demand
    held_holding: int  # an order on hold that still reserves or demands something

    @property
    def all_exact(self) -> bool:
        return self.over == 0 and self.under == 0 and self.held_holding == 0


async def settlement(settings: Settings, orders: Sequence[OrderRow]) -> Settlement:
    """Each settled order's lines against its reservations and production demand."""
    ids = [row.order_id for row in orders if row.settled_at is not None]
    inventory = await _connect(settings.pg, settings.pg.database("inventory"))
    try:
        lines = await inventory.fetch(
            """
            SELECT l.order_id::text AS order_id, l.line_no, l.requested,
                   coalesce(sum(r.quantity), 0) AS reserved
            FROM inventory_order_line l
            LEFT JOIN inventory_reservation r
              ON r.order_id = l.order_id AND r.line_no = l.line_no
            WHERE l.order_id = ANY($1::uuid[])
            GROUP BY l.order_id, l.line_no, l.requested
            """,
            ids,
        )
        stray = await inventory.fetch(
            "SELECT DISTINCT order_id::text AS order_id FROM inventory_reservation"
            " WHERE order_id = ANY($1::uuid[])",
            ids,
        )
    finally:
        await inventory.close()
    production = await _connect(settings.pg, settings.pg.database("production"))
    try:
        demanded = await production.fetch(
            "SELECT order_id::text AS order_id, line_no, sum(quantity) AS quantity"
            " FROM production_order_demand WHERE order_id = ANY($1::uuid[])"
            " GROUP BY order_id, line_no",
            ids,
        )
    finally:
        await production.close()
    demand = {(r["order_id"], r["line_no"]): r["quantity"] for r in demanded}
    held = {row.order_id for row in orders if row.settled_as == "on_hold"}
    holding = {r["order_id"] for r in stray} | {order_id for order_id, _ in demand}
    exact = over = under = 0
    for line in lines:
        if line["order_id"] in held:
            continue
        covered = line["reserved"] + demand.get((line["order_id"], line["line_no"]), 0)
        if covered == line["requested"]:
            exact += 1
        elif covered > line["requested"]:
            over += 1
        else:
            under += 1
    return Settlement(
        orders=len(ids),
        lines=exact + over + under,
        exact=exact,
        over=over,
        under=under,
        held_holding=len(held & holding),
    )


async def received_at(settings: Settings, webhook_ids: Sequence[str]) -> dict[str, float]:
    """When the connectors recorded each delivery, just before answering it."""
    conn = await _connect(settings.pg, settings.pg.database("connectors"))
    try:
        rows = await conn.fetch(
            "SELECT webhook_id, extract(epoch FROM received_at)::float8 AS at"
            " FROM connectors_webhook_delivery WHERE webhook_id = ANY($1::text[])",
            list(webhook_ids),
        )
    finally:
        await conn.close()
    return {r["webhook_id"]: r["at"] for r in rows}


async def transactions(pg: PostgresSettings) -> dict[str, int]:
    """Committed transactions so far, per database of this run."""
    conn = await _connect(pg, "postgres")
    try:
        rows = await conn.fetch(
            "SELECT datname, xact_commit FROM pg_stat_database WHERE datname LIKE $1",
            pg.database_prefix + "%",
        )
    finally:
        await conn.close()
    return {r["datname"][len(pg.database_prefix) :]: int(r["xact_commit"]) for r in rows}


async def end_offsets(settings: Settings) -> dict[str, int]:
    """Messages ever written to each topic of this run (sum of its partitions' ends).

    Only the run's own topics by name: another namespace sharing the prefix (a test's, a
    topic being deleted) must not make the count fail. An unreadable count is empty (it is
    informational; the orders themselves are counted in the databases)."""
    prefix = settings.kafka.topic_prefix
    own = {settings.kafka.topic(name) for name in topics.ALL}
    own |= {topics.dead_letter(name) for name in own}
    try:
        async with admin_client(settings.kafka) as admin, offsets_reader(settings.kafka) as reader:
            present = sorted(own & set(await admin.list_topics()))
            described = await admin.describe_topics(present) if present else []
            partitions = [
                TopicPartition(d["topic"], p["partition"])
                for d in described
                if d["error_code"] == 0
                for p in d["partitions"]
            ]
            ends = await reader.end_offsets(partitions) if partitions else {}
    except (KafkaError, TimeoutError):
        return {}
    totals: dict[str, int] = {}
    for tp, end in ends.items():
        totals[tp.topic[len(prefix) :]] = totals.get(tp.topic[len(prefix) :], 0) + end
    return totals


@dataclass(frozen=True)
class Gauges:
    consumer_lag: dict[str, float]  # per consumer group, summed over partitions
    outbox_unpublished: dict[str, float]  # per service
    webhook_inbox_pending: float  # deliveries answered 200, not applied yet (connectors)


async def gauges(target: Target) -> Gauges:
    """The services' own backlog gauges: consumer lag, outbox rows, the webhook inbox."""
    lag: dict[str, float] = {}
    outbox: dict[str, float] = {}
    inbox = 0.0
    async with httpx.AsyncClient(timeout=30.0) as client:
        for service in SERVICES:
            port = getattr(target.settings.ports, service)
            text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            for family in text_string_to_metric_families(text):
                for s in family.samples:
                    if s.name == "lotline_kafka_consumer_lag":
                        lag[s.labels["group"]] = lag.get(s.labels["group"], 0.0) + s.value
                    elif s.name == "lotline_outbox_unpublished":
                        outbox[service] = outbox.get(service, 0.0) + s.value
                    elif s.name == "lotline_webhook_deliveries_pending":
                        inbox += s.value
    return Gauges(lag, outbox, inbox)


def _ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _infrastructure() -> dict[str, list[int]]:
    """This system's Kafka JVM and PostgreSQL server (its postmaster and backends), found
    by the ports the benchmark uses: another cluster on the box (a test run's, a second
    checkout's) is not this system's cost."""
    settings = Settings()
    return infrastructure_pids(
        pg_port=settings.pg.port,
        kafka_port=int(settings.kafka.bootstrap_servers.split(",")[0].rsplit(":", 1)[1]),
    )


def infrastructure_pids(*, pg_port: int, kafka_port: int) -> dict[str, list[int]]:
    """The pids of the PostgreSQL server listening on ``pg_port`` (the postmaster, told by
    its data directory's ``postmaster.pid``, and its children) and of the Kafka broker whose
    ``server.properties`` listens on ``kafka_port``."""
    postgres: dict[int, int] = {}  # pid → parent pid
    found: dict[str, list[int]] = {"kafka": [], "postgresql": []}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            if comm == "postgres":
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                postgres[int(entry.name)] = int(stat[1])
            elif b"kafka.Kafka" in cmdline:
                properties = Path(cmdline[cmdline.index(b"kafka.Kafka") + 1].decode())
                if f"PLAINTEXT://127.0.0.1:{kafka_port}," in properties.read_text():
                    found["kafka"].append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    for pid, parent in postgres.items():
        if parent not in postgres and _postmaster_port(pid) == pg_port:
            found["postgresql"] = [pid, *(p for p, pp in postgres.items() if pp == pid)]
    return found


def _postmaster_port(pid: int) -> int | None:
    """The port in the postmaster's ``postmaster.pid`` (its fourth line)."""
    try:
        data_dir = Path(f"/proc/{pid}/cwd").resolve()
        return int((data_dir / "postmaster.pid").read_text().splitlines()[3])
    except (OSError, ValueError, IndexError):
        return None


def cpu_ticks(pids: dict[str, int]) -> dict[str, int]:
    """CPU ticks used so far, per process of the system and for Kafka and PostgreSQL;
    every instance of a service (``orders``, ``orders-2`` …) counted under its name."""
    groups: dict[str, list[int]] = {}
    for label, pid in pids.items():
        groups.setdefault(service_of(label), []).append(pid)
    groups["bench"] = [os.getpid()]  # the load generator shares the two cores
    groups.update(_infrastructure())
    return {name: sum(_ticks(p) for p in group) for name, group in groups.items()}


def cpu_share(before: dict[str, int], after: dict[str, int], seconds: float) -> dict[str, float]:
    """Share of one core per process over ``seconds`` (1.0 = one core busy throughout).
    PostgreSQL backends that exit in between take their ticks with them."""
    return {
        name: round(max(after[name] - before.get(name, 0), 0) / TICKS / seconds, 3)
        for name in after
    }


async def wait_settled(
    settings: Settings, external_ids: Sequence[str], *, channel: str, wait_seconds: float
) -> dict[str, list[OrderRow]]:
    """Every id's orders once all have settled, or as they are at the deadline."""
    deadline = time.monotonic() + wait_seconds
    while True:
        found = await orders_by_external_id(settings, external_ids, channel=channel)
        done = all(found.get(i) and found[i][0].settled_at for i in external_ids)
        if done or time.monotonic() > deadline:
            return found
        await asyncio.sleep(1.0)
