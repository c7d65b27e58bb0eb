"""The throughput benchmark's core and its CSV mode, for a handful of orders against the
suite's system: the report has its shape and nothing is lost. A smoke, never a timed
assertion. With two instances of every service: ``tests/e2e/test_two_instances.py``."""

from __future__ import annotations

import json

import pytest

from bench import report
from bench.csv_import import LINES_PER_ORDER
from bench.system import Target
from bench.throughput import backlog_mode, csv_mode, run_core

pytestmark = pytest.mark.e2e


async def test_a_few_benchmarked_orders_are_all_counted_and_reported(system, tmp_path):
    target = Target(
        system.gateway,
        system.admin_headers,
        system.settings,
        {name: process.pid for name, process in system.processes.items()},
    )

    result = await run_core(
        target, offered=(5.0,), duration=2.0, drain_timeout=90, idle_seconds=0,
        stats_flush_seconds=0,
    )  # fmt: skip
    result["machine"] = {"summary": "smoke"}
    report.write_json(result, tmp_path / "smoke.json")
    report.write_chart(result, tmp_path / "smoke.png")

    [rate] = result["rates"]
    assert rate.keys() >= report.RATE_FIELDS
    assert {"p50", "p95", "p99", "max"} == rate["settle_ms"].keys() == rate["answer_ms"].keys()
    assert rate["sent"] == rate["answered_2xx"] == 10
    assert (rate["lost"], rate["duplicates"], rate["settled"]) == (0, 0, 10)
    settlement = rate["settlement"]  # checked line by line in inventory and production
    assert settlement["all_exact"] and settlement["orders"] == 10
    assert settlement["exact"] == settlement["lines"] > 0
    assert {"orders", "connectors", "gateway", "kafka", "postgresql"} <= rate["cpu_share"].keys()
    assert "headline" in json.loads((tmp_path / "smoke.json").read_text())
    assert (tmp_path / "smoke.png").read_bytes().startswith(b"\x89PNG")


async def test_a_small_benchmarked_csv_import_is_one_order_per_reference(system):
    target = Target(system.gateway, system.admin_headers, system.settings, {})

    result = await csv_mode(target, lines=10, drain_timeout=90)

    assert result["orders"] == 10 // LINES_PER_ORDER and result["status"] == 200
    assert (result["lost"], result["duplicates"], result["row_errors"]) == (0, 0, 0)
    assert result["settled"] == result["orders"] == result["created"]
    assert result["all_settled_seconds"] is not None
    assert result["settle_ms"].keys() == {"p50", "p95", "p99", "max"}


async def test_a_small_reconciliation_backlog_is_one_order_per_shopify_order(system):
    target = Target(system.gateway, system.admin_headers, system.settings, {})

    result = await backlog_mode(target, orders=12, drain_timeout=90)

    assert (result["status"], result["error"], result["orders_seen"]) == (200, None, 12)
    assert (result["lost"], result["duplicates"], result["settled"]) == (0, 0, 12)
    assert result["all_settled_seconds"] is not None
    assert result["settle_ms"].keys() == {"p50", "p95", "p99", "max"}
