"""``make chaos`` in small (issue 15 §1): 150 orders — signed webhooks, some
delivered twice, a few cancelled, manual orders with idempotency keys, some made to order,
goods receipts arriving — into the whole system run by ``deploy/supervisor.py``, while every
process is SIGKILLed once and only the supervisor starts it again. Then the checker reads
every database: nothing lost, nothing doubled, no lot ever oversold. No broker or database
restart here (the full ``make chaos`` does those), and no timing asserted."""

from __future__ import annotations

import os
import random

import pytest

from bench.chaos import PROCESSES, Plan, run_chaos
from shared.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.isolated, pytest.mark.timeout(420)]


async def test_orders_under_sigkills_are_each_one_order_and_no_lot_is_oversold(
    settings: Settings, tmp_path
):
    seed = int(os.environ.get("LOTLINE_CHAOS_SEED", random.randrange(2**32)))
    print(f"chaos seed: {seed}")
    plan = Plan(
        orders=150, rate=6.0, kills=1, restart_infra=False, give_up_seconds=90.0,
        drain_timeout=60.0, seed=seed,
    )  # fmt: skip

    report = await run_chaos(plan, tmp_path / "run", base=settings)

    assert report["violations"] == [], report
    assert report["orders_sent"] == report["orders_accepted"] == 150
    assert (report["lost"], report["duplicated"], report["oversold_samples"]) == (0, 0, 0)
    assert report["lot_samples"] > 0
    assert report["unsettled"] == report["ledger_mismatches"] == report["dead_letters"] == 0
    # every process died once and the supervisor (nobody else) brought each one back
    assert report["kills_by_process"] == dict.fromkeys(PROCESSES, 1)
    assert all(report["restarts_in_supervisor_log"].get(name, 0) >= 1 for name in PROCESSES)
    # the driver met the faults and retried through them
    refused = {k: n for k, n in report["attempts"].items() if not k.startswith("2")}
    assert refused, report["attempts"]
    assert report["manual_accepted"] > 0 and report["webhook_redeliveries"] > 0
