"""One offered rate, end to end: send on schedule, read the gauges as the window closes,
wait (bounded) for the backlog to drain, then count and time every order in the databases."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench import probes
from bench.load import Sent, deliveries, drive
from bench.seed import Catalogue
from bench.system import Target

# PostgreSQL 15 backends flush their transaction counts to pg_stat_database at most once a
# second while busy and up to 10 s after going idle: read the counts that much later.
STATS_FLUSH_SECONDS = 11.0


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """Nearest-rank p50 / p95 / p99 and the maximum, in milliseconds."""
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000, 1)

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "max": rank(1.0)}


@dataclass
class Idle:
    """The system's own background with no order at all, subtracted from per-order costs."""

    seconds: float = 0.0
    transactions_per_second: float = 0.0
    messages_per_second: float = 0.0
    cpu_share: dict[str, float] = field(default_factory=dict)


async def _counters(target: Target) -> tuple[int, int, dict[str, int], float]:
    xact = await probes.transactions(target.settings.pg)
    offsets = await probes.end_offsets(target.settings)
    return sum(xact.values()), sum(offsets.values()), probes.cpu_ticks(target.pids), time.time()


async def idle(target: Target, seconds: float) -> Idle:
    if seconds <= 0:
        return Idle()
    xact0, msg0, ticks0, t0 = await _counters(target)
    await asyncio.sleep(seconds)
    xact1, msg1, ticks1, t1 = await _counters(target)
    elapsed = t1 - t0
    return Idle(
        seconds=round(elapsed, 1),
        transactions_per_second=round((xact1 - xact0) / elapsed, 1),
        messages_per_second=round((msg1 - msg0) / elapsed, 2),
        cpu_share=probes.cpu_share(ticks0, ticks1, elapsed),
    )


async def _settle(
    target: Target, sent: Sequence[Sent], deadline: float
) -> dict[str, list[probes.OrderRow]]:
    """Poll the orders database until every accepted webhook's order settled, or time's up."""
    wanted = [s.delivery.external_id for s in sent if s.accepted]
    while True:
        orders = await probes.orders_by_external_id(target.settings, wanted)
        pending = [x for x in wanted if not any(r.settled_at for r in orders.get(x, []))]
        if not pending or time.monotonic() > deadline:
            return orders
        await asyncio.sleep(0.5)


def summarise(
    sent: Sequence[Sent],
    orders: dict[str, list[probes.OrderRow]],
    received: dict[str, float],
) -> dict[str, Any]:
    """Counts and latencies of one rate from what was sent and what the databases hold."""
    accepted = [s for s in sent if s.accepted]
    lost = [s for s in accepted if not orders.get(s.delivery.external_id)]
    duplicates = [x for x, rows in orders.items() if len(rows) > 1]
    settle, last_settled, statuses, kinds = [], 0.0, Counter[str](), Counter[str]()
    for s in accepted:
        rows = orders.get(s.delivery.external_id, [])
        if not rows or rows[0].settled_at is None:
            continue
        at = rows[0].settled_at
        start = received.get(s.delivery.webhook_id, s.sent_at + (s.answer_seconds or 0))
        settle.append(at - start)
        last_settled = max(last_settled, at)
        statuses[rows[0].settled_as or "?"] += 1
        kinds[s.delivery.kind] += 1
    first_sent = min((s.sent_at for s in sent), default=0.0)
    span = last_settled - first_sent
    return {
        "sent": len(sent),
        "answered_2xx": len(accepted),
        "errors": len(sent) - len(accepted),
        "error_kinds": dict(Counter(str(s.status or s.error) for s in sent if not s.accepted)),
        "orders": sum(len(rows) for rows in orders.values()),
        "settled": len(settle),
        "lost": len(lost),
        "duplicates": len(duplicates),
        "settled_by_status": dict(statuses),
        "settled_by_kind": dict(kinds),
        "achieved_per_second": round(len(settle) / span, 2) if span > 0 else None,
        "answer_ms": percentiles([s.answer_seconds for s in sent if s.answer_seconds is not None]),
        "settle_ms": percentiles(settle),
    }


async def run_rate(
    target: Target,
    catalogue: Catalogue,
    *,
    rate: float,
    duration: float,
    drain_timeout: float,
    background: Idle,
    rng: random.Random,
    stats_flush_seconds: float = STATS_FLUSH_SECONDS,
) -> tuple[dict[str, Any], list[Sent]]:
    """One rate's report, and what was sent (for a recount once everything drained)."""
    batch = deliveries(catalogue, max(1, round(rate * duration)), rng)
    xact0, msg0, ticks0, t0 = await _counters(target)
    sent = await drive(target.webhook_bases, batch, rate=rate)
    window = time.time() - t0
    ticks1 = probes.cpu_ticks(target.pids)
    gauges = await probes.gauges(target)
    started_drain = time.monotonic()
    orders = await _settle(target, sent, started_drain + drain_timeout)
    drain_seconds = time.monotonic() - started_drain
    await asyncio.sleep(stats_flush_seconds)
    xact1, msg1, _ticks, t1 = await _counters(target)
    received = await probes.received_at(target.settings, [s.delivery.webhook_id for s in sent])
    report: dict[str, Any] = {"offered_per_second": rate, "duration_seconds": duration}
    report.update(summarise(sent, orders, received))
    report["settlement"] = await settlement_of(target, orders)
    costs = _costs(report["settled"], xact1 - xact0, msg1 - msg0, t1 - t0, background)
    report.update(
        drained=report["settled"] == report["answered_2xx"],
        drain_seconds=round(drain_seconds, 1),
        window_seconds=round(window, 2),
        consumer_lag=gauges.consumer_lag,
        outbox_unpublished=gauges.outbox_unpublished,
        webhook_inbox_pending=gauges.webhook_inbox_pending,
        cpu_share=probes.cpu_share(ticks0, ticks1, window),
        **costs,
    )
    return report, sent


def _costs(
    orders: int, transactions: int, messages: int, seconds: float, background: Idle
) -> dict[str, float | None]:
    """Per settled order, with the idle background over the same time taken off."""
    raw: dict[str, float | None] = {
        "transactions": transactions,
        "kafka_messages": messages,
        "counted_over_seconds": round(seconds, 1),
    }
    if orders == 0:
        return {**raw, "transactions_per_order": None, "kafka_messages_per_order": None}
    xact = transactions - background.transactions_per_second * seconds
    msgs = messages - background.messages_per_second * seconds
    return {
        **raw,
        "transactions_per_order": round(xact / orders, 1),
        "kafka_messages_per_order": round(msgs / orders, 1),
    }


async def recount(
    target: Target, report: dict[str, Any], sent: Sequence[Sent], *, drain_timeout: float
) -> None:
    """A rate whose backlog outlived its drain: count again once the run is over, so late
    orders are not called lost."""
    orders = await _settle(target, sent, time.monotonic() + drain_timeout)
    received = await probes.received_at(target.settings, [s.delivery.webhook_id for s in sent])
    report.update(summarise(sent, orders, received))
    report["settlement"] = await settlement_of(target, orders)
    report["recounted_after_run"] = True


async def settlement_of(
    target: Target, orders: dict[str, list[probes.OrderRow]]
) -> dict[str, int | bool]:
    """The end-of-rate check in the databases: every settled order's lines reserved or
    demanded exactly once (``probes.settlement``)."""
    rows = [row for found in orders.values() for row in found]
    checked = await probes.settlement(target.settings, rows)
    return {**dataclasses.asdict(checked), "all_exact": checked.all_exact}
