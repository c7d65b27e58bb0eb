"""Scale-out (issue 14 §3): two instances each of the orders and the inventory service, in
the same consumer groups, share the six partitions of every topic they consume. While
signed webhooks flow, one instance of each is SIGKILLed — its partitions move to the
survivor (a rebalance) — and started again (another). Every order is still one order,
processed once: settled, its statuses each entered once, never over-reserved, the ledger
whole, and nothing left unpublished."""

from __future__ import annotations

import asyncio
import functools
import random
from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from bench.chaos import Tally, wait_drained
from bench.load import deliveries
from shared.db import asyncpg_dsn
from shared.observability.kafka_admin import admin_client
from shared.settings import Settings
from tests.e2e.conftest import System, eventually
from tests.e2e.isolated_system import CLEAN, judged, own_system, seeded, send, settled_orders

pytestmark = [pytest.mark.e2e, pytest.mark.isolated, pytest.mark.timeout(300)]

SCALED = ("orders", "inventory")
ORDERS = 90
RATE = 5.0  # 18 s of webhooks: the kill, the rebalance and the restart meet them


async def members(system: System, group: str) -> int:
    """How many consumers the group has now (each holds some of the topic's partitions)."""
    async with admin_client(system.settings.kafka) as admin:
        [response] = await admin.describe_consumer_groups([group])
    [described] = response.groups  # (error, group, state, protocol type, protocol, members…)
    state, found = described[2], described[5]
    return len(found) if state == "Stable" else -1


def group_of(system: System, service: str, name: str) -> str:
    return f"{system.settings.kafka.topic_prefix}{service}.{name}"


async def statuses_entered_twice(system: System) -> dict[tuple[str, str], int]:
    """(order, status) pairs the history shows more than once: an event applied twice."""
    pg = system.settings.pg
    conn = await asyncpg.connect(asyncpg_dsn(pg.url_for_database(pg.database("orders"))))
    try:
        rows = await conn.fetch("SELECT order_id::text, status FROM orders_status_history")
    finally:
        await conn.close()
    counts = Counter((r["order_id"], r["status"]) for r in rows)
    return {pair: n for pair, n in counts.items() if n > 1}


async def test_two_instances_of_orders_and_inventory_process_each_order_once_through_a_kill(
    settings: Settings, tmp_path: Path
) -> None:
    tally = Tally()
    async with own_system(settings, tmp_path / "logs", second=SCALED) as system:
        inbound = group_of(system, "orders", "on_inbound_order")
        reserving = group_of(system, "inventory", "on_order_event")
        # both instances of each service hold partitions of what it consumes
        for group in (inbound, reserving):
            await eventually(functools.partial(members, system, group), lambda n: n == 2)
        catalogue = await seeded(system, orders=ORDERS)
        batch = deliveries(catalogue, ORDERS, random.Random(14))
        load = asyncio.create_task(send(system, batch, tally, rate=RATE))
        before = await eventually(functools.partial(settled_orders, system), lambda n: n >= 10)
        system.kill("orders")
        system.kill("inventory-2")
        # the group dropped the dead member (its session ran out) and gave its partitions to
        # the survivor, which settles the orders keyed to them from their committed offsets
        for group in (inbound, reserving):
            await eventually(functools.partial(members, system, group), lambda n: n == 1)
        await eventually(functools.partial(settled_orders, system), lambda n: n >= before + 10)
        system.start("orders")
        system.start("inventory", instance="inventory-2", port=system.instance_ports["inventory-2"])
        # back to two members each: another rebalance, with webhooks still arriving
        for group in (inbound, reserving):
            await eventually(functools.partial(members, system, group), lambda n: n == 2)
        await load
        facts, _ = await wait_drained(system.settings, tally, 120.0)
        twice = await statuses_entered_twice(system)

    assert len(tally.accepted) == ORDERS
    assert judged(facts, tally) == CLEAN
    assert len(facts.orders) == ORDERS
    assert twice == {}
