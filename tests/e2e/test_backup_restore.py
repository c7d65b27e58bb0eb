"""``make backup`` / ``make restore`` over the whole system (issue 15 §3): orders in, a
backup taken while it runs, more orders in, then every database lost. Restored onto empty
databases, the system carries on from the broker: every order accepted before *and after*
the backup is exactly one order, settled, no order line reserved twice, no lot's ledger
off, nothing left unpublished."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bench import chaos_check as check
from bench.chaos import Facts, Tally, read_facts, wait_drained
from bench.load import Delivery, deliveries, drive
from bench.seed import seed
from bench.system import bench_settings, drop_topics
from deploy import backup
from shared.db import drop_database
from shared.settings import Settings
from tests.e2e.conftest import PROCESSES, System

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]


@contextlib.asynccontextmanager
async def own_system(base: Settings, logs: Path) -> AsyncIterator[System]:
    """A whole system in a namespace of its own: its databases are dropped on purpose."""
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    system = System(bench_settings(uuid.uuid4().hex[:8], base), logs, {})
    try:
        system.api_key = system.manage("create-key", "restore", "--scope", "admin").strip()
        for name in PROCESSES:
            system.start(name)
        await system.wait_ready()
        yield system
    finally:
        system.stop_all()
        for name in PROCESSES:
            with contextlib.suppress(OSError):
                await drop_database(system.settings.pg, system.settings.pg.database(name))
        with contextlib.suppress(Exception):
            await drop_topics(system.settings.kafka)


async def send(system: System, batch: list[Delivery], tally: Tally) -> None:
    for sent in await drive(system.gateway, batch, rate=10.0):
        assert sent.accepted, sent
        key = ("shopify", sent.delivery.external_id)
        tally.first_sent.setdefault(key, sent.sent_at)
        tally.accepted.add(key)


CLEAN: dict[str, object] = {
    "lost": [],
    "duplicated": {},
    "unsettled": [],
    "over_reserved": {},
    "ledger": {},
    "unpublished": {},
}


def held(facts: Facts) -> list[tuple[str, int, str, str]]:
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


async def test_a_restored_system_carries_on_from_the_broker_with_every_order_once(
    settings: Settings, tmp_path: Path
) -> None:
    rng = random.Random(15)
    tally = Tally()
    async with own_system(settings, tmp_path / "logs") as system:
        async with httpx.AsyncClient(
            base_url=system.gateway, headers=system.admin_headers, timeout=30.0
        ) as client:
            catalogue = await seed(client, orders=60)
        await send(system, deliveries(catalogue, 30, rng), tally)
        facts, _ = await wait_drained(system.settings, tally, 120.0)
        assert judged(facts, tally) == CLEAN

        manifest = await backup.backup(system.settings, tmp_path / "backup")
        taken = set(tally.accepted)
        await send(system, deliveries(catalogue, 20, rng), tally)  # only the broker keeps these
        before_loss, _ = await wait_drained(system.settings, tally, 120.0)
        reservations_before = held(before_loss)

        with pytest.raises(SystemExit, match="stop Lotline first"):  # nothing touched
            await backup.restore(system.settings, tmp_path / "backup")
        assert judged(await read_facts(system.settings, tally), tally) == CLEAN

        system.stop_all()
        for name in PROCESSES:  # the disk is gone
            await drop_database(system.settings.pg, system.settings.pg.database(name))
        restored = await backup.restore(system.settings, tmp_path / "backup")
        for name in PROCESSES:
            system.start(name)
        await system.wait_ready()
        after, _ = await wait_drained(system.settings, tally, 180.0)

    assert set(manifest.databases) == set(PROCESSES) and manifest.offsets
    assert restored.taken_at == manifest.taken_at and len(tally.accepted - taken) == 20
    assert judged(after, tally) == CLEAN
    # the same reservations as before the loss: none repeated, none missing
    assert held(after) == reservations_before
