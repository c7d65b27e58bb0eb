"""The benchmark's outputs: a JSON report, a PNG chart and a table on the terminal."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

P99_LIMIT_MS = 1000.0

# What every rate of a report tells (the suite's smokes check a run gives them all).
RATE_FIELDS = frozenset({
    "offered_per_second", "sent", "answered_2xx", "errors", "orders", "settled", "lost",
    "duplicates", "achieved_per_second", "answer_ms", "settle_ms", "drained", "consumer_lag",
    "outbox_unpublished", "webhook_inbox_pending", "cpu_share", "transactions_per_order",
    "kafka_messages_per_order",
})  # fmt: skip


# The headline is a rate held this long; a shorter run's best is reported as such.
SUSTAINED_SECONDS = 60.0


def headline(rates: list[dict[str, Any]]) -> float | None:
    """The highest offered rate that settled every order with p99 under a second, nothing
    lost, nothing duplicated, each order's lines reserved or demanded exactly once in the
    databases, within its drain bound."""
    good = [
        r["offered_per_second"]
        for r in rates
        if r["drained"]
        and r["lost"] == 0
        and r["duplicates"] == 0
        and r.get("settlement", {}).get("all_exact", True)
        and r["settle_ms"]["p99"] is not None
        and r["settle_ms"]["p99"] < P99_LIMIT_MS
    ]
    return max(good, default=None)


def _exact(settlement: dict[str, Any] | None) -> str:
    if not settlement:
        return "-"
    mark = "" if settlement["all_exact"] else " !"
    return f"{settlement['exact']}/{settlement['lines']}{mark}"


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")


def write_chart(report: dict[str, Any], path: Path) -> None:
    """Achieved against offered throughput, and p50 / p95 / p99 settle latency.
    (matplotlib 3.10.0 calls pyparsing names that pyparsing 3.3 deprecates: not ours.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        _draw(report, path)


def _draw(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = report["rates"]
    offered = [r["offered_per_second"] for r in rates]
    achieved = [r["achieved_per_second"] or 0 for r in rates]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(offered, offered, "--", color="grey", label="offered")
    left.plot(offered, achieved, "o-", label="achieved (settled/s)")
    left.set(xlabel="offered orders/s", ylabel="orders/s", title="Throughput")
    left.legend()
    for p in ("p50", "p95", "p99"):
        right.plot(offered, [(r["settle_ms"][p] or 0) / 1000 for r in rates], "o-", label=p)
    right.axhline(P99_LIMIT_MS / 1000, color="red", linestyle=":", label="1 s")
    right.set_yscale("log")
    right.set(xlabel="offered orders/s", ylabel="seconds", title="Webhook → first settled status")
    right.legend()
    fig.suptitle(f"Lotline make bench — {report['machine']['summary']}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def print_table(report: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console(width=170)
    table = Table(title="Lotline throughput (open loop, signed Shopify orders/create)")
    for column in (
        "offered/s", "sent", "2xx", "err", "settled", "lost", "dup", "achieved/s",
        "answer p50/p99", "settle p50/p95/p99", "drained", "lines exact", "tx/order",
        "msgs/order",
    ):  # fmt: skip
        table.add_column(column, justify="right")
    for r in report["rates"]:
        a, s = r["answer_ms"], r["settle_ms"]
        table.add_row(
            f"{r['offered_per_second']:g}", str(r["sent"]), str(r["answered_2xx"]),
            str(r["errors"]), str(r["settled"]), str(r["lost"]), str(r["duplicates"]),
            str(r["achieved_per_second"]), f"{_ms(a['p50'])} / {_ms(a['p99'])}",
            f"{_ms(s['p50'])} / {_ms(s['p95'])} / {_ms(s['p99'])}",
            "yes" if r["drained"] else f"no ({r['drain_seconds']} s)",
            _exact(r.get("settlement")), str(r["transactions_per_order"]),
            str(r["kafka_messages_per_order"]),
        )  # fmt: skip
    console.print(table)
    limits = report.get("limits", {})
    pg, kafka = limits.get("pgbench", {}), limits.get("kafka_producer", {})
    if pg.get("transactions_per_second"):
        console.print(f"pgbench -N: {pg['transactions_per_second']:.0f} transactions/s")
    if kafka.get("records_per_second"):
        console.print(f"Kafka ProducerPerformance: {kafka['records_per_second']:.0f} records/s")
    best = report["headline"]["orders_per_second"]
    held = report["headline"].get("held_seconds")
    sustained = (
        f"held {held:g} s"
        if report["headline"].get("sustained")
        else f"held only {held:g} s, below the {SUSTAINED_SECONDS:g} s the headline asks"
    )
    console.print(
        f"[bold]Headline: {best if best is not None else 'no rate'} orders/s[/bold] "
        f"({sustained}; highest rate with p99 settle < 1 s, drained, zero lost and "
        "duplicated, every line reserved or demanded exactly once)"
    )
    for line in report["headline"].get("ratios", []):
        console.print(f"  {line}")
    imported = report.get("csv_import")
    if imported:
        console.print(
            f"CSV import: {imported['lines']} lines, {imported['orders']} orders, answered in "
            f"{imported['answer_seconds']} s, all settled in {imported['all_settled_seconds']} s "
            f"({imported['orders_per_second']} orders/s, {imported['lines_per_second']} lines/s); "
            f"lost {imported['lost']}, duplicated {imported['duplicates']}"
        )
    backlog = report.get("reconciliation_backlog")
    if backlog:
        console.print(
            f"Reconciliation backlog: {backlog['orders']} orders in {backlog['pages']} pages, "
            f"run answered in {backlog['answer_seconds']} s, all settled in "
            f"{backlog['all_settled_seconds']} s ({backlog['orders_per_second']} orders/s); "
            f"lost {backlog['lost']}, duplicated {backlog['duplicates']}"
        )
