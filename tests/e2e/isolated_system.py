"""A whole system in a namespace of its own (databases, topics, ports), for tests that
break things on purpose — drop its databases, kill its broker — and the chaos checker's
verdict on it, by name."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import asyncpg
import httpx

from bench import chaos_check as check
from bench.chaos import Facts, Tally
from bench.load import Delivery, drive
from bench.seed import Catalogue, seed
from bench.system import bench_settings, drop_topics
from shared.db import asyncpg_dsn, drop_database
from shared.settings import Settings
from tests.containers import quiet_port
from tests.e2e.conftest import PROCESSES, System

CLEAN: dict[str, object] = {
    "lost": [],
    "duplicated": {},
    "unsettled": [],
    "over_reserved": {},
    "ledger": {},
    "unpublished": {},
}


@contextlib.asynccontextmanager
async def own_system(
    base: Settings,
    logs: Path,
    *,
    second: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> AsyncIterator[System]:
    """Every process started with an admin key; stopped, its databases and topics dropped
    at the end. ``base`` gives the servers (and the Kafka replication factor). ``second``:
    services that also run a second instance, ``<name>-2``, on a port of its own
    (``System.instance_ports``), in the same consumer groups. ``env``: settings of every
    process besides its namespace's."""
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    settings = bench_settings(uuid.uuid4().hex[:8], base)
    kafka = settings.kafka.model_copy(update={"replication_factor": base.kafka.replication_factor})
    system = System(settings.model_copy(update={"kafka": kafka}), logs, env or {})
    try:
        system.api_key = system.manage("create-key", "isolated", "--scope", "admin").strip()
        for name in PROCESSES:
            system.start(name)
        taken = {getattr(settings.ports, name) for name in PROCESSES}
        for name in second:
            port = system.instance_ports[f"{name}-2"] = quiet_port(taken)
            system.start(name, instance=f"{name}-2", port=port)
        await system.wait_ready()
        await system.wait_ready(ports=system.instance_ports)
        yield system
    finally:
        system.stop_all()
        for name in PROCESSES:
            with contextlib.suppress(OSError):
                await drop_database(system.settings.pg, system.settings.pg.database(name))
        with contextlib.suppress(Exception):
            await drop_topics(system.settings.kafka)


async def seeded(system: System, *, orders: int) -> Catalogue:
    """Items, SKU mappings, stock and a recipe for ``orders`` orders (``bench.seed``)."""
    async with httpx.AsyncClient(
        base_url=system.gateway, headers=system.admin_headers, timeout=30.0
    ) as client:
        return await seed(client, orders=orders)


async def settled_orders(system: System) -> int:
    """Orders the orders service has taken past ``received`` (reserved, held, waiting for
    production): each one crossed Kafka from the connectors to orders and inventory."""
    dsn = asyncpg_dsn(system.settings.pg.url_for_database(system.settings.pg.database("orders")))
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return int(
            await conn.fetchval("SELECT count(*) FROM orders_order WHERE status <> 'received'")
        )
    finally:
        await conn.close()


async def send(system: System, batch: list[Delivery], tally: Tally, *, rate: float = 10.0) -> None:
    """Signed webhooks on a schedule; each must be accepted, and is noted in ``tally``."""
    for sent in await drive(system.gateway, batch, rate=rate):
        assert sent.accepted, sent
        key = ("shopify", sent.delivery.external_id)
        tally.first_sent.setdefault(key, sent.sent_at)
        tally.accepted.add(key)


def held(facts: Facts) -> list[tuple[str, int, str, str]]:
    """Every reservation, comparable across readings."""
    return sorted((r.order_id, r.line_no, r.lot_code, str(r.quantity)) for r in facts.reservations)


def judged(facts: Facts, tally: Tally) -> dict[str, object]:
    """What the chaos checker judges, by name; ``CLEAN`` when nothing is wrong."""
    lost, duplicated = check.lost_and_duplicated(tally.accepted, facts.orders)
    return {
        "lost": lost,
        "duplicated": duplicated,
        "unsettled": check.unsettled(facts.orders),
        "over_reserved": check.over_reserved(facts.requested, facts.reservations),
        "ledger": check.ledger_mismatches(facts.on_hand, facts.movements),
        "unpublished": {service: n for service, n in facts.unpublished.items() if n},
    }
