"""``make backup`` / ``make restore`` over the whole system (issue 15 §3): orders in, a
backup taken while it runs, more orders in, then every database lost. Restored onto empty
databases, the system carries on from the broker: every order accepted before *and after*
the backup is exactly one order, settled, no order line reserved twice, no lot's ledger
off, nothing left unpublished."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.chaos import Tally, read_facts, wait_drained
from bench.load import deliveries
from deploy import backup
from shared.db import drop_database
from shared.settings import Settings
from tests.e2e.conftest import PROCESSES
from tests.e2e.isolated_system import CLEAN, held, judged, own_system, seeded, send

pytestmark = [pytest.mark.e2e, pytest.mark.isolated, pytest.mark.timeout(420)]


async def test_a_restored_system_carries_on_from_the_broker_with_every_order_once(
    settings: Settings, tmp_path: Path
) -> None:
    rng = random.Random(15)
    tally = Tally()
    async with own_system(settings, tmp_path / "logs") as system:
        catalogue = await seeded(system, orders=60)
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
