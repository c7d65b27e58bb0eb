"""Scale-out (issue 14 §3): two instances of every consuming service, as
``make bench BENCH_ARGS="--instances 2"`` starts them (``bench.system``), in the same
consumer groups, share the six partitions of every topic they consume. While signed
webhooks flow, one instance each of orders and inventory is SIGKILLed — its partitions move
to the survivor (a rebalance) — and started again (another). Every order is still one
order, processed once: settled, its statuses each entered once, never over-reserved, the
ledger whole, and nothing left unpublished. Then the benchmark's core runs a few orders on
the same processes, its webhooks spread over both connectors, and counts each once."""

from __future__ import annotations

import asyncio
import functools
import json
import random
from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from bench import report
from bench.chaos import Tally, wait_drained
from bench.load import deliveries
from bench.system import SERVICES, running_processes, target_of
from bench.throughput import instances_of, run_core
from shared.db import asyncpg_dsn
from shared.observability.kafka_admin import admin_client
from tests.e2e.conftest import System, eventually
from tests.e2e.isolated_system import CLEAN, judged, seeded, send, settled_orders

pytestmark = [pytest.mark.e2e, pytest.mark.isolated, pytest.mark.timeout(300)]

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


async def test_two_instances_of_every_service_process_each_order_once_through_a_kill(
    tmp_path: Path,
) -> None:
    tally = Tally()
    async with running_processes(tmp_path / "logs", instances=2) as system:
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

        assert len(tally.accepted) == ORDERS
        assert judged(facts, tally) == CLEAN
        assert len(facts.orders) == ORDERS
        assert await statuses_entered_twice(system) == {}

        target = target_of(system, 2)  # the restarted processes under their new pids
        result = await run_core(
            target, offered=(5.0,), duration=2.0, drain_timeout=90, idle_seconds=0,
            stats_flush_seconds=0,
        )  # fmt: skip

    assert len(target.webhook_bases) == 2 and target.gateway not in target.webhook_bases
    assert {f"{name}-2" for name in SERVICES} <= target.pids.keys()
    assert "gateway-2" not in target.pids
    result["machine"] = {"summary": "smoke"}
    result["instances"] = instances_of(2)
    report.write_json(result, tmp_path / "two.json")
    [rate] = result["rates"]
    assert rate.keys() >= report.RATE_FIELDS
    assert rate["sent"] == rate["answered_2xx"] == 10
    assert (rate["lost"], rate["duplicates"], rate["settled"]) == (0, 0, 10)
    # one share per service, every instance summed under its name; no "orders-2" of its own
    assert set(SERVICES) | {"gateway", "kafka", "postgresql"} <= rate["cpu_share"].keys()
    assert not any(name.endswith("-2") for name in rate["cpu_share"])
    written = json.loads((tmp_path / "two.json").read_text())
    assert written["instances"]["per_service"] == {**dict.fromkeys(SERVICES, 2), "gateway": 1}
