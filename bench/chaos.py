"""``make chaos``: the whole system under faults, then a checker over every database.

The system runs under ``deploy/supervisor.py`` (the watcher of ``make up``) in a namespace
of its own. A driver sends orders the way shops and people do — signed Shopify
``orders/create`` webhooks (some delivered twice with the same webhook id, a few cancelled
by ``orders/cancelled``), manual orders through the API with an Idempotency-Key, some made
to order, while goods receipts arrive — and retries what got no 2xx (a refused connection, a
503 while a process is down) with the same webhook id or key, as a shop does. An order
counts as accepted only once it got a 2xx. Meanwhile a controller SIGKILLs random processes
at random moments (each one ``--kills`` times, the gateway and the connectors among them);
the full run also restarts the Kafka broker once and PostgreSQL once (an immediate
shutdown). Nobody but the supervisor starts a process again. A sampler reads every lot's
on hand and reserved each second. Once the faults stop and the work drains, the checker
(``bench/chaos_check.py``) reads every database and says what is wrong; the run exits
non-zero on any violation and writes ``bench/results/chaos-*.json``.

    python -m bench.chaos                       # the full run (make chaos)
    python -m bench.chaos --orders 300 --kills 1 --no-infra   # a small one
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from rich.console import Console

from bench import chaos_check as check
from bench.load import Delivery, deliveries
from bench.probes import SETTLED, end_offsets
from bench.report import write_json
from bench.seed import Catalogue, seed
from bench.system import Target, supervised_system, supervisor_log
from services.cli import shopify
from shared.db import asyncpg_dsn
from shared.settings import Settings
from tests.conftest import ROOT

PROCESSES = ("orders", "inventory", "production", "connectors", "trace", "gateway")
RESULTS = ROOT / "bench" / "results"
INFRA = ROOT / "deploy" / "infra.sh"
RETRYABLE = frozenset({429, 500, 502, 503, 504})
SETTLED_OR_CANCELLED = (*SETTLED, "cancelled")
MID_REQUEST = frozenset({"gateway", "connectors"})


@dataclass(frozen=True)
class Plan:
    orders: int = 300  # new orders: webhooks and manual ones
    rate: float = 8.0  # new orders per second
    manual_share: float = 0.15
    redelivery_share: float = 0.10
    cancel_share: float = 0.03
    kills: int = 1  # per process
    restart_infra: bool = False  # the broker once and PostgreSQL once
    give_up_seconds: float = 300.0  # a shop stops retrying a delivery after this
    drain_timeout: float = 240.0
    seed: int = 0


@dataclass
class Tally:
    """What the driver and the controller did, as they did it."""

    first_sent: dict[tuple[str, str], float] = field(default_factory=dict)  # order → epoch
    accepted: set[tuple[str, str]] = field(default_factory=set)
    cancelled: set[tuple[str, str]] = field(default_factory=set)
    unaccepted: list[str] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)  # outcome of each attempt
    redeliveries: int = 0
    manual_sent: int = 0  # manual orders tried (an accepted one is keyed by its external id)
    receipts: Counter[str] = field(default_factory=Counter)
    kills: list[dict[str, Any]] = field(default_factory=list)
    infra: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    oversold: list[check.LotSample] = field(default_factory=list)
    samples: int = 0
    sample_failures: int = 0


# --- the driver ------------------------------------------------------------------------


async def _until_accepted(
    tally: Tally,
    plan: Plan,
    what: str,
    send: Callable[[], Awaitable[httpx.Response]],
) -> httpx.Response | None:
    """Send until a 2xx, like a shop: the same delivery again after a refused connection,
    a timeout or a 5xx, with a growing pause; give up after ``plan.give_up_seconds``."""
    deadline = time.monotonic() + plan.give_up_seconds
    pause = 0.3
    while True:
        tally.in_flight += 1
        try:
            answer = await send()
        except httpx.HTTPError as error:
            tally.attempts[type(error).__name__] += 1
            answer = None
        finally:
            tally.in_flight -= 1
        if answer is not None:
            tally.attempts[str(answer.status_code)] += 1
            if answer.status_code < 300:
                return answer
            if answer.status_code not in RETRYABLE and answer.status_code != 422:
                tally.unaccepted.append(f"{what}: {answer.status_code} {answer.text[:200]}")
                return None
        if time.monotonic() > deadline:
            tally.unaccepted.append(f"{what}: no 2xx within {plan.give_up_seconds:.0f}s")
            return None
        await asyncio.sleep(pause)
        pause = min(pause * 1.5, 3.0)


def cancellation(create_body: bytes) -> bytes:
    """What ``orders/cancelled`` carries for an order created by ``create_body``."""
    order = json.loads(create_body)
    later = (datetime.now(UTC) + timedelta(seconds=1)).isoformat(timespec="seconds")
    order.update(updated_at=later, cancelled_at=later, cancel_reason="customer")
    for line in order["line_items"]:
        line["current_quantity"] = 0
        line["fulfillable_quantity"] = 0
    return json.dumps(order, separators=(",", ":")).replace("/", "\\/").encode()


async def _webhook(
    client: httpx.AsyncClient, tally: Tally, plan: Plan, catalogue: Catalogue,
    delivery: Delivery, rng: random.Random,
) -> None:  # fmt: skip
    key = ("shopify", delivery.external_id)
    tally.first_sent[key] = time.time()

    def post(body: bytes, headers: dict[str, str]) -> Callable[[], Awaitable[httpx.Response]]:
        return lambda: client.post("/webhooks/shopify", content=body, headers=headers)

    what = f"webhook {delivery.webhook_id}"
    if await _until_accepted(tally, plan, what, post(delivery.body, delivery.headers)) is None:
        return
    tally.accepted.add(key)
    if rng.random() < plan.redelivery_share:  # Shopify sends the same webhook again
        await asyncio.sleep(rng.uniform(0.0, 3.0))
        tally.redeliveries += 1
        await _until_accepted(tally, plan, what, post(delivery.body, delivery.headers))
    if delivery.kind == "stock" and rng.random() < plan.cancel_share:
        await asyncio.sleep(rng.uniform(0.5, 3.0))
        body = cancellation(delivery.body)
        headers = shopify.webhook_headers(
            body, shop=catalogue.shop, secret=catalogue.secret, topic="orders/cancelled",
            webhook_id=str(uuid.uuid4()),
        )  # fmt: skip
        what = f"cancel {delivery.external_id}"
        if await _until_accepted(tally, plan, what, post(body, headers)):
            tally.cancelled.add(key)


async def _manual(
    client: httpx.AsyncClient, tally: Tally, plan: Plan, catalogue: Catalogue, rng: random.Random
) -> None:
    item = rng.choice((*catalogue.stocked, catalogue.made_to_order))
    body = {
        "source": "phone",
        "customer": {"name": "Bottega Verdi", "email": "ordini@bottega.example"},
        "lines": [{"item_code": item, "quantity": str(rng.randint(1, 3)), "unit": "pc"}],
    }
    idempotency = {"Idempotency-Key": str(uuid.uuid4())}
    sent = time.time()
    tally.manual_sent += 1
    answer = await _until_accepted(
        tally, plan, f"manual order {idempotency['Idempotency-Key']}",
        lambda: client.post("/api/manual-orders", json=body, headers=idempotency),
    )  # fmt: skip
    if answer is not None:
        key = ("manual", str(answer.json()["external_id"]))
        tally.first_sent[key] = sent
        tally.accepted.add(key)


async def _receipts(
    client: httpx.AsyncClient, tally: Tally, catalogue: Catalogue, stop: asyncio.Event
) -> None:
    """Goods receipts of the made-to-order item's materials every few seconds. Not retried
    (a receipt is not idempotent): one that failed is only counted."""
    tag = catalogue.made_to_order.split("-", 1)[1]
    n = 0
    while not stop.is_set():
        for code, unit in ((f"FLOUR-{tag}", "kg"), (f"JAR-{tag}", "pc")):
            n += 1
            receipt = {
                "item_code": code, "quantity": "20", "unit": unit, "supplier": "Chaos",
                "supplier_lot_code": f"C-{code}-{n}", "expires_on": "2030-12-31",
            }  # fmt: skip
            try:
                answer = await client.post("/api/receipts", json=receipt)
                tally.receipts["ok" if answer.status_code < 300 else str(answer.status_code)] += 1
            except httpx.HTTPError as error:
                tally.receipts[type(error).__name__] += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=3.0)


async def drive(
    target: Target, catalogue: Catalogue, plan: Plan, tally: Tally, rng: random.Random
) -> None:
    """Every new order at its time on an open-loop schedule, each retried on its own."""
    webhooks = round(plan.orders * (1 - plan.manual_share))
    batch = deliveries(catalogue, webhooks, rng)
    kinds = ["webhook"] * webhooks + ["manual"] * (plan.orders - webhooks)
    rng.shuffle(kinds)
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
    async with httpx.AsyncClient(
        base_url=target.gateway, headers=target.headers, timeout=20.0, limits=limits
    ) as client:
        stop = asyncio.Event()
        receipts = asyncio.create_task(_receipts(client, tally, catalogue, stop))
        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = []
        for i, kind in enumerate(kinds):
            delay = start + i / plan.rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if kind == "webhook":
                job = _webhook(client, tally, plan, catalogue, batch.pop(), rng)
            else:
                job = _manual(client, tally, plan, catalogue, rng)
            tasks.append(asyncio.create_task(job))
        await asyncio.gather(*tasks)
        stop.set()
        await receipts


# --- the faults ------------------------------------------------------------------------


def kill_schedule(plan: Plan, window: float, rng: random.Random) -> list[tuple[float, str]]:
    """(seconds from the start, process): each process ``plan.kills`` times, spread over
    the window, never the same process twice in a row."""
    names = [n for _ in range(plan.kills) for n in rng.sample(PROCESSES, len(PROCESSES))]
    for i in range(1, len(names)):
        if names[i] == names[i - 1]:
            j = next((k for k in range(i + 1, len(names)) if names[k] != names[i]), None)
            if j is not None:
                names[i], names[j] = names[j], names[i]
    slot = window / max(len(names), 1)
    return [(slot * (i + rng.uniform(0.2, 0.8)), name) for i, name in enumerate(names)]


async def _answers(target: Target, name: str) -> bool:
    port = getattr(target.settings.ports, name)
    path = "/healthz" if name == "gateway" else "/readyz"
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            return (await client.get(f"http://127.0.0.1:{port}{path}")).status_code == 200
    except httpx.HTTPError:
        return False


async def _kill(target: Target, name: str, tally: Tally, started: float) -> None:
    """SIGKILL the process once it is up (it may still be coming back from a kill)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pid = target.pid(name)
        if pid is not None and await _answers(target, name):
            if name in MID_REQUEST:  # kill it while a webhook or an order is in its hands
                for _ in range(30):
                    if tally.in_flight:
                        break
                    await asyncio.sleep(0.1)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            at = time.monotonic() - started
            tally.kills.append(
                {"process": name, "pid": pid, "at": round(at, 1), "in_flight": tally.in_flight}
            )
            return
        await asyncio.sleep(0.5)
    tally.kills.append({"process": name, "pid": None, "at": None, "skipped": "never up"})


def _infra(command: str, component: str) -> None:
    subprocess.run([str(INFRA), command, component], check=True, capture_output=True, timeout=120)


def _wait_gone(pid: int) -> None:
    while Path(f"/proc/{pid}").exists():
        time.sleep(0.2)
    time.sleep(1)


def _postmaster_pid() -> int:
    run = Path(os.environ.get("LOTLINE_RUN_DIR", ROOT / ".run"))
    return int((run / "pg" / "data" / "postmaster.pid").read_text().split()[0])


async def restart_kafka(tally: Tally, started: float) -> None:
    at = time.monotonic() - started
    await asyncio.to_thread(_infra, "stop", "kafka")
    await asyncio.sleep(2)
    await asyncio.to_thread(_infra, "start", "kafka")
    down = round(time.monotonic() - started - at, 1)
    tally.infra.append({"what": "kafka", "at": round(at, 1), "down_s": down})


async def restart_postgres(tally: Tally, started: float) -> None:
    """An immediate shutdown (SIGQUIT to the postmaster: no checkpoint, crash recovery at
    the next start), then ``infra.sh start postgres``."""
    at = time.monotonic() - started
    pid = _postmaster_pid()
    os.kill(pid, signal.SIGQUIT)
    await asyncio.to_thread(_wait_gone, pid)
    await asyncio.to_thread(_infra, "start", "postgres")
    down = round(time.monotonic() - started - at, 1)
    tally.infra.append({"what": "postgres", "at": round(at, 1), "down_s": down})


async def faults(
    target: Target, plan: Plan, window: float, tally: Tally, rng: random.Random
) -> None:
    started = time.monotonic()
    events: list[tuple[float, str]] = kill_schedule(plan, window, rng)
    if plan.restart_infra:
        events += [(window * 0.35, "@kafka"), (window * 0.65, "@postgres")]
    for at, what in sorted(events):
        delay = started + at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if what == "@kafka":
            await restart_kafka(tally, started)
        elif what == "@postgres":
            await restart_postgres(tally, started)
        else:
            await _kill(target, what, tally, started)


async def sample_lots(target: Target, tally: Tally, stop: asyncio.Event) -> None:
    """Every lot's on hand and reserved, about once a second, during the whole run."""
    dsn = asyncpg_dsn(target.settings.pg.url_for_database(target.settings.pg.database("inventory")))
    conn: asyncpg.Connection | None = None
    while not stop.is_set():
        try:
            if conn is None or conn.is_closed():
                conn = await asyncpg.connect(dsn, timeout=3)
            rows = await conn.fetch("SELECT lot_code, on_hand, reserved FROM inventory_lot")
            now = time.time()
            samples = [check.LotSample(now, r[0], r[1], r[2]) for r in rows]
            tally.samples += len(samples)
            tally.oversold += check.oversold(samples)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            tally.sample_failures += 1
            conn = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)
    if conn is not None and not conn.is_closed():
        await conn.close()


# --- reading the databases -------------------------------------------------------------


async def _fetch(settings: Settings, service: str, query: str, *args: Any) -> list[Any]:
    dsn = asyncpg_dsn(settings.pg.url_for_database(settings.pg.database(service)))
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


@dataclass
class Facts:
    orders: list[check.OrderFact]
    settled_at: dict[str, float]
    reservations: list[check.Reservation]
    requested: dict[tuple[str, int], Decimal]
    on_hand: dict[str, Decimal]
    movements: list[tuple[str, Decimal]]
    notifications: list[tuple[str, str, str]]
    shipments: list[tuple[str, str]]
    write_backs: list[tuple[str, str]]
    unpublished: dict[str, int]


async def read_facts(settings: Settings, tally: Tally) -> Facts:
    ids = sorted({external for _, external in tally.first_sent})
    rows = await _fetch(
        settings, "orders",
        "SELECT channel, external_id, id::text, status FROM orders_order"
        " WHERE external_id = ANY($1::text[])", ids,
    )  # fmt: skip
    orders = [check.OrderFact(*r) for r in rows]
    settled = await _fetch(
        settings, "orders",
        "SELECT order_id::text, extract(epoch FROM min(at))::float8 FROM orders_status_history"
        " WHERE order_id = ANY($1::uuid[]) AND status = ANY($2::text[]) GROUP BY order_id",
        [o.order_id for o in orders], list(SETTLED_OR_CANCELLED),
    )  # fmt: skip
    reservations = await _fetch(
        settings, "inventory",
        "SELECT r.order_id::text, r.line_no, l.lot_code, r.quantity FROM inventory_reservation r"
        " JOIN inventory_lot l ON l.id = r.lot_id",
    )  # fmt: skip
    requested = await _fetch(
        settings, "inventory", "SELECT order_id::text, line_no, requested FROM inventory_order_line"
    )
    lots = await _fetch(settings, "inventory", "SELECT lot_code, on_hand FROM inventory_lot")
    movements = await _fetch(
        settings, "inventory",
        "SELECT l.lot_code, m.quantity FROM inventory_movement m"
        " JOIN inventory_lot l ON l.id = m.lot_id",
    )  # fmt: skip
    notifications = await _fetch(
        settings, "orders", "SELECT order_id::text, kind, reference FROM orders_notification"
    )
    shipments = await _fetch(
        settings, "orders", "SELECT order_id::text, id::text FROM orders_shipment"
    )
    write_backs = await _fetch(
        settings, "connectors", "SELECT shipment_id::text, kind FROM connectors_write_back"
    )
    unpublished = {}
    for service in PROCESSES:
        try:
            # The relay deletes what it published: every row left is unpublished.
            [row] = await _fetch(settings, service, "SELECT count(*) FROM outbox")
            unpublished[service] = int(row[0])
        except asyncpg.UndefinedTableError:
            continue
    return Facts(
        orders=orders,
        settled_at={r[0]: r[1] for r in settled},
        reservations=[check.Reservation(*r) for r in reservations],
        requested={(r[0], r[1]): r[2] for r in requested},
        on_hand={r[0]: r[1] for r in lots},
        movements=[(r[0], r[1]) for r in movements],
        notifications=[tuple(r) for r in notifications],
        shipments=[tuple(r) for r in shipments],
        write_backs=[tuple(r) for r in write_backs],
        unpublished=unpublished,
    )


def drained(facts: Facts, tally: Tally) -> bool:
    lost, _ = check.lost_and_duplicated(tally.accepted, facts.orders)
    return (
        not lost
        and not check.unsettled(facts.orders)
        and not check.wrongly_not_cancelled(tally.cancelled, facts.orders)
        and not any(facts.unpublished.values())
    )


async def wait_drained(settings: Settings, tally: Tally, limit: float) -> tuple[Facts, float]:
    """Read the facts until the work has drained (or the timeout): the checker then judges
    the last reading."""
    started = time.monotonic()
    while True:
        waited = time.monotonic() - started
        try:
            facts = await read_facts(settings, tally)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            if waited > limit:  # not recovering: a query the schema no longer answers
                raise
            await asyncio.sleep(2)  # PostgreSQL may still be recovering
            continue
        if drained(facts, tally) or waited > limit:
            return facts, waited
        await asyncio.sleep(2)


async def ledger_api(target: Target) -> list[Any]:
    async with httpx.AsyncClient(
        base_url=target.gateway, headers=target.headers, timeout=30
    ) as client:
        answer = await client.get("/api/ledger/mismatches")
        answer.raise_for_status()
        return list(answer.json())


async def dead_letters(settings: Settings) -> int:
    return sum(n for topic, n in (await end_offsets(settings)).items() if topic.endswith(".dlq"))


def mailed(run_dir: Path) -> list[tuple[str, str]]:
    """(notification id, Message-ID) of every e-mail the run's mailcatcher kept."""
    found = []
    for path in sorted((run_dir / "mail").glob("*.eml")):
        notification = message_id = ""
        for line in path.read_text(errors="replace").splitlines():
            if not line:
                break  # end of the headers
            name, _, value = line.partition(":")
            if name.lower() == "x-lotline-notification":
                notification = value.strip()
            elif name.lower() == "message-id":
                message_id = value.strip()
        if notification:
            found.append((notification, message_id))
    return found


def judge(
    facts: Facts,
    tally: Tally,
    ledger: list[Any],
    dlq: int,
    log: str,
    mails: list[tuple[str, str]],
) -> check.Findings:
    lost, duplicated = check.lost_and_duplicated(tally.accepted, facts.orders)
    cancelled_ids = [o.order_id for o in facts.orders if o.status == "cancelled"]
    _, given_up = check.restarts_in_log(log)
    return check.Findings(
        lost=lost,
        duplicated=duplicated,
        unsettled=check.unsettled(facts.orders),
        not_cancelled=check.wrongly_not_cancelled(tally.cancelled, facts.orders),
        duplicate_reservations=check.repeated(
            (r.order_id, r.line_no, r.lot_code) for r in facts.reservations
        ),
        over_reserved=check.over_reserved(facts.requested, facts.reservations),
        held_after_cancel=check.holding_after_cancel(cancelled_ids, facts.reservations),
        duplicate_effects={
            "notifications": check.repeated(facts.notifications),
            "shipments": check.repeated(s[1] for s in facts.shipments),
            "write-backs": check.repeated(facts.write_backs),
            "e-mails": check.mailed_twice_as_different_messages(mails),
        },
        oversold=tally.oversold,
        ledger=check.ledger_mismatches(facts.on_hand, facts.movements),
        ledger_api=ledger,
        unpublished=facts.unpublished,
        dead_letters=dlq,
        given_up=given_up,
        unaccepted=len(tally.unaccepted),
    )


def figures(
    plan: Plan, tally: Tally, facts: Facts, findings: check.Findings, log: str, **extra: Any
) -> dict[str, Any]:
    restarts, _ = check.restarts_in_log(log)
    by_id = {(o.channel, o.external_id): o for o in facts.orders}
    e2e = [
        (facts.settled_at[o.order_id] - tally.first_sent[key]) * 1000
        for key in tally.accepted
        if (o := by_id.get(key)) is not None and o.order_id in facts.settled_at
    ]
    p50, p99 = check.percentile(e2e, 50), check.percentile(e2e, 99)
    return {
        "plan": asdict(plan),
        "orders_sent": sum(1 for c, _ in tally.first_sent if c == "shopify") + tally.manual_sent,
        "orders_accepted": len(tally.accepted),
        "webhook_redeliveries": tally.redeliveries,
        "cancellations_accepted": len(tally.cancelled),
        "manual_accepted": sum(1 for c, _ in tally.accepted if c == "manual"),
        "attempts": dict(tally.attempts),
        "unaccepted": tally.unaccepted[:20],
        "receipts": dict(tally.receipts),
        "kills_by_process": dict(Counter(k["process"] for k in tally.kills if k["pid"])),
        "kills": tally.kills,
        "kills_with_requests_in_flight": sum(1 for k in tally.kills if k.get("in_flight")),
        "infra_restarts": tally.infra,
        "restarts_in_supervisor_log": restarts,
        "statuses": dict(Counter(o.status for o in facts.orders)),
        "lost": len(findings.lost),
        "duplicated": len(findings.duplicated),
        "unsettled": len(findings.unsettled),
        "oversold_samples": len(findings.oversold),
        "lot_samples": tally.samples,
        "sample_failures": tally.sample_failures,
        "ledger_mismatches": len(findings.ledger) + len(findings.ledger_api),
        "dead_letters": findings.dead_letters,
        "outbox_unpublished": findings.unpublished,
        "e2e_ms": {
            "p50": None if p50 is None else round(p50),
            "p99": None if p99 is None else round(p99),
        },
        "violations": findings.violations(),
        **extra,
    }


async def progress(tally: Tally, started: float, every: float = 30.0) -> None:
    """A line now and then, so a long run shows it is alive."""
    console = Console(width=140)
    while True:
        await asyncio.sleep(every)
        kills = Counter(k["process"] for k in tally.kills if k["pid"])
        console.print(
            f"{time.monotonic() - started:5.0f}s: sent {len(tally.first_sent)}, accepted "
            f"{len(tally.accepted)}, kills {dict(kills)}, broker/database restarts "
            f"{[i['what'] for i in tally.infra]}, oversold samples {len(tally.oversold)}",
            markup=False, highlight=False,
        )  # fmt: skip


async def run_chaos(plan: Plan, run_dir: Path, base: Settings | None = None) -> dict[str, Any]:
    """Start the supervised system (on the servers of ``base``), seed it, drive and fault
    it, drain, check."""
    rng = random.Random(plan.seed)
    tally = Tally()
    started = time.monotonic()
    async with supervised_system(run_dir, base=base) as target:
        async with httpx.AsyncClient(
            base_url=target.gateway, headers=target.headers, timeout=60
        ) as client:
            # Stock runs short on purpose: reservations compete for the last pieces.
            catalogue = await seed(client, orders=max(plan.orders // 3, 10))
        window = plan.orders / plan.rate
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_lots(target, tally, stop))
        faulting = asyncio.create_task(faults(target, plan, window, tally, rng))
        telling = asyncio.create_task(progress(tally, started))
        await drive(target, catalogue, plan, tally, rng)
        await faulting
        telling.cancel()
        sent_for = time.monotonic() - started
        facts, drain_seconds = await wait_drained(target.settings, tally, plan.drain_timeout)
        stop.set()
        await sampler
        ledger = await ledger_api(target)
        dlq = await dead_letters(target.settings)
        log = supervisor_log(run_dir)
        mails = await asyncio.to_thread(mailed, run_dir)
        findings = judge(facts, tally, ledger, dlq, log, mails)
        return figures(
            plan,
            tally,
            facts,
            findings,
            log,
            emails_sent=len(mails),
            emails_resent=check.resent(mails),
            seconds={"driving": round(sent_for), "draining": round(drain_seconds)},
            run_dir=str(run_dir), finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )  # fmt: skip


def print_figures(report: dict[str, Any]) -> None:
    lines = [
        f"orders sent {report['orders_sent']}, accepted {report['orders_accepted']} "
        f"(manual {report['manual_accepted']}, "
        f"redelivered webhooks {report['webhook_redeliveries']}, "
        f"cancelled {report['cancellations_accepted']})",
        f"attempts by outcome: {report['attempts']}",
        f"kills by process: {report['kills_by_process']} "
        f"({report['kills_with_requests_in_flight']} with requests in flight)",
        f"restarts in supervisor.log: {report['restarts_in_supervisor_log']}",
        f"broker / database restarts: {report['infra_restarts'] or 'none'}",
        f"lost {report['lost']}, duplicated {report['duplicated']}, "
        f"unsettled {report['unsettled']}, "
        f"oversold samples {report['oversold_samples']} of {report['lot_samples']}, "
        f"ledger mismatches {report['ledger_mismatches']}, dead letters {report['dead_letters']}, "
        f"e-mails sent {report.get('emails_sent')} (resent with the same Message-ID "
        f"{report.get('emails_resent')})",
        f"e2e (first send → settled) p50 {report['e2e_ms']['p50']} ms, "
        f"p99 {report['e2e_ms']['p99']} ms",
        f"seconds: {report['seconds']}, statuses: {report['statuses']}",
    ]
    console = Console(width=140)
    for line in lines:
        console.print(line, markup=False, highlight=False)
    if report["violations"]:
        console.print("VIOLATIONS: " + "; ".join(report["violations"]), markup=False)
    else:
        console.print("OK: no violation")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=6000)
    parser.add_argument("--rate", type=float, default=8.0, help="new orders per second")
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs per process")
    parser.add_argument("--no-infra", action="store_true", help="no broker/database restart")
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=random.randrange(2**32))
    args = parser.parse_args(argv)
    plan = Plan(
        orders=args.orders, rate=args.rate, kills=args.kills, restart_infra=not args.no_infra,
        drain_timeout=args.drain_timeout, seed=args.seed,
    )  # fmt: skip
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    Console().print(f"chaos run {stamp}, seed {plan.seed}: {plan}", markup=False)
    report = asyncio.run(run_chaos(plan, ROOT / ".run" / "chaos" / stamp))
    write_json(report, RESULTS / f"chaos-{stamp}.json")
    write_json(report, RESULTS / "chaos-latest.json")
    print_figures(report)
    Console().print(f"report: {RESULTS / f'chaos-{stamp}.json'}", markup=False)
    return 1 if report["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
