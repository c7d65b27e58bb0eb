"""How many orders per second does Lotline settle? (A benchmark, not a test.)

Starts the whole system in a namespace of its own (databases, topics, ports), seeds a shop,
stock and a recipe through the gateway, and drives an open-loop load of signed Shopify
``orders/create`` webhooks at a series of rates (85 % from stock, 10 % made to order, 5 %
for an unmapped SKU). Per order it times the webhook's answer and, from the databases' own
timestamps, the delivery's ``received_at`` to the order's first settled status. Alongside:
``pgbench -N`` and Kafka's producer perf test on the same servers, so figures read as ratios.

    make bench                                         # 10, 25, 50, 100, 200 orders/s × 60 s
    make bench BENCH_ARGS="--rates 10,25,50"           # then a 5,000-line CSV (--csv-lines)
                                                       # and a 2,000-order reconciliation
                                                       # backlog (--backlog-orders)
    .venv/bin/python -m bench.throughput --rates 5 --duration 5 --no-limits   # a quick look
    make bench BENCH_ARGS="--instances 2"              # two processes per consuming service
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import csv_import, limits, rates, reconciliation_backlog, report
from bench.seed import seed
from bench.system import SERVICES, Target, running_system

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_RATES = (10.0, 25.0, 50.0, 100.0, 200.0)


async def run_core(
    target: Target,
    *,
    offered: tuple[float, ...],
    duration: float,
    drain_timeout: float = 180.0,
    idle_seconds: float = 10.0,
    stats_flush_seconds: float = rates.STATS_FLUSH_SECONDS,
    seed_value: int = 14,
) -> dict[str, Any]:
    """Seed, measure the idle background, then every rate in turn; recount the rates whose
    backlog outlived their drain once the last one is done."""
    orders = round(sum(offered) * duration) + 10
    async with httpx.AsyncClient(
        base_url=target.gateway, headers=target.headers, timeout=60.0
    ) as client:
        catalogue = await seed(client, orders=orders)
    background = await rates.idle(target, idle_seconds)
    rng = random.Random(seed_value)
    results: list[dict[str, Any]] = []
    sent_by_rate = []
    for rate in offered:
        result, sent = await rates.run_rate(
            target, catalogue, rate=rate, duration=duration, drain_timeout=drain_timeout,
            background=background, rng=rng, stats_flush_seconds=stats_flush_seconds,
        )  # fmt: skip
        results.append(result)
        sent_by_rate.append(sent)
    for result, sent in zip(results, sent_by_rate, strict=True):
        if not result["drained"]:
            await rates.recount(target, result, sent, drain_timeout=drain_timeout)
    return {
        "idle": background.__dict__,
        "rates": results,
        "headline": {
            "orders_per_second": report.headline(results),
            "held_seconds": duration,
            "sustained": duration >= report.SUSTAINED_SECONDS,
        },
    }


async def csv_mode(target: Target, lines: int, drain_timeout: float) -> dict[str, Any]:
    """One wholesale CSV of ``lines`` lines, with stock of its own."""
    async with httpx.AsyncClient(
        base_url=target.gateway, headers=target.headers, timeout=60.0
    ) as client:
        catalogue = await seed(client, orders=lines)
    return await csv_import.run(target, catalogue, lines=lines, drain_timeout=drain_timeout)


async def backlog_mode(target: Target, orders: int, drain_timeout: float) -> dict[str, Any]:
    """A reconciliation run bringing in ``orders`` orders the webhooks never delivered."""
    async with httpx.AsyncClient(
        base_url=target.gateway, headers=target.headers, timeout=60.0
    ) as client:
        catalogue = await seed(client, orders=orders)
    return await reconciliation_backlog.run(
        target, catalogue, orders=orders, drain_timeout=drain_timeout
    )


def instances_of(count: int) -> dict[str, Any]:
    """How many processes each service ran as, and where the webhooks went."""
    return {
        "per_service": {**dict.fromkeys(SERVICES, count), "gateway": 1},
        "webhooks_to": "the gateway" if count == 1 else
        f"each of the {count} connectors instances in turn, directly (the gateway "
        "proxies to one address per service)",
        "cpu_share": "every instance of a service summed under its name",
    }  # fmt: skip


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    cores = os.cpu_count() or 0
    return {
        "cores": cores,
        "cpu": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "summary": f"{cores} cores ({model}), {memory_kb / 1024 / 1024:.0f} GB, all on one box",
    }


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=False)  # fmt: skip
    return done.stdout.strip()


def ratios(result: dict[str, Any]) -> list[str]:
    """The headline as a share of this machine's own ceilings."""
    best = result["headline"]["orders_per_second"]
    lines = []
    pg = result["limits"].get("pgbench", {}).get("transactions_per_second")
    kafka = result["limits"].get("kafka_producer", {}).get("records_per_second")
    costs = [r for r in result["rates"] if r["transactions_per_order"]]
    if best and pg:
        lines.append(f"{best:g} orders/s is {100 * best / pg:.2f} % of pgbench -N's {pg:.0f} tx/s")
    if best and kafka:
        lines.append(f"{best:g} orders/s is {100 * best / kafka:.3f} % of Kafka's {kafka:.0f} "
                     "records/s")  # fmt: skip
    if costs and pg:
        tx = costs[0]["transactions_per_order"]
        lines.append(f"at {tx} transactions per order, pgbench's rate alone would allow "
                     f"{pg / tx:.0f} orders/s")  # fmt: skip
    return lines


async def main(args: argparse.Namespace) -> Path:
    started = datetime.now(UTC)
    logs = (
        Path(os.environ.get("LOTLINE_RUN_DIR", ".run"))
        / "bench"
        / started.strftime("%Y%m%dT%H%M%S")
    )
    async with running_system(logs, instances=args.instances) as target:
        measured: dict[str, Any] = {}
        if args.limits:  # before the load, on servers the benchmark is not using
            measured["pgbench"] = await limits.pgbench(target.settings)
            measured["kafka_producer"] = await limits.kafka_producer(target.settings)
        core = await run_core(
            target, offered=tuple(args.rates), duration=args.duration,
            drain_timeout=args.drain_timeout,
        )  # fmt: skip
        if args.csv_lines:
            core["csv_import"] = await csv_mode(target, args.csv_lines, args.drain_timeout)
        if args.backlog_orders:
            core["reconciliation_backlog"] = await backlog_mode(
                target, args.backlog_orders, args.drain_timeout
            )
    result = {
        "benchmark": "throughput",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": machine(),
        "instances": instances_of(args.instances),
        "load": {
            "rates": args.rates,
            "duration_seconds": args.duration,
            "mix": {"stock": 0.85, "production": 0.10, "unmapped": 0.05},
            "settle_latency": "connectors_webhook_delivery.received_at → the order's first "
            "settled status in orders_status_history",
        },
        "limits": measured,
        **core,
        "logs": str(logs),
    }
    result["headline"]["ratios"] = ratios(result)
    stem = f"throughput-{started.strftime('%Y%m%dT%H%M%SZ')}"
    report.write_json(result, args.out / f"{stem}.json")
    report.write_chart(result, args.out / f"{stem}.png")
    report.print_table(result)
    print(f"wrote {args.out / stem}.json and .png")  # noqa: T201
    return Path(args.out) / f"{stem}.json"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rates",
        type=lambda s: [float(x) for x in s.split(",")],
        default=list(DEFAULT_RATES),
        help="offered orders/s, comma-separated",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=report.SUSTAINED_SECONDS,
        help="seconds per rate (the headline asks for 60)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=180.0,
        help="longest wait for a rate's backlog to settle (seconds)",
    )
    parser.add_argument(
        "--no-limits",
        dest="limits",
        action="store_false",
        help="skip pgbench and Kafka's producer perf test",
    )
    parser.add_argument(
        "--csv-lines",
        type=int,
        default=5000,
        help="lines of the wholesale CSV imported after the rates (0: none)",
    )
    parser.add_argument(
        "--backlog-orders",
        type=int,
        default=2000,
        help="orders a shop's reconciliation brings in after the CSV (0: none)",
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="processes per consuming service (orders, inventory, production, connectors, "
        "trace), in one consumer group; the gateway stays one",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)  # fmt: skip
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(arguments()))
