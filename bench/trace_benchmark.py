"""How fast is one trace over a realistic history? (A benchmark, not a test.)

Generates a history straight into a scratch trace database (migrated like the real one):
suppliers and their lots, raw-material receipts, intermediate batches consuming raw lots,
finished batches consuming intermediates and raw materials (packaging), and customer
orders shipped from finished lots. Every receipt, consumption, production output and
shipped lot line is one stock movement, i.e. one quantity-bearing edge. Then it times the
service's own trace use case (the recursive query plus assembling the answer) from random
starting points, and the bare SQL, and prints median and p99.

    make bench-trace                     # ≥ 1,000,000 movements, 100,000 orders
    .venv/bin/python bench/trace_benchmark.py --scale 0.1 --samples 200   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# ruff: noqa: T201 - a benchmark prints its figures

from services.trace import queries, repository
from services.trace.genealogy import Kind, key, supplier_lot_code
from services.trace.main import MIGRATIONS
from services.trace.tracing import Direction
from shared import db, migrations
from shared.settings import get_settings

DATABASE = "lotline_bench_trace"
START = date(2024, 1, 1)


@dataclass(frozen=True)
class Shape:
    """How big the history is; ``scale`` 1 gives ≥ 1M movements and 100k orders."""

    suppliers: int
    raw_lots: int
    intermediate_batches: int
    finished_batches: int
    orders: int
    customers: int
    raw_per_intermediate: int = 4
    intermediates_per_finished: int = 2
    raw_per_finished: int = 3  # packaging, sugar, …
    window: int = 300  # batches draw on lots received / made shortly before them

    @classmethod
    def scaled(cls, scale: float) -> Shape:
        def n(x: int) -> int:
            return max(10, int(x * scale))

        return cls(
            suppliers=n(60),
            raw_lots=n(20_000),
            intermediate_batches=n(40_000),
            finished_batches=n(80_000),
            orders=n(100_000),
            customers=n(20_000),
        )


class History:
    """Rows for trace_node and trace_edge, generated with a fixed seed."""

    def __init__(self, shape: Shape, seed: int) -> None:
        self.shape = shape
        self.rng = random.Random(seed)
        self.nodes: list[tuple[object, ...]] = []
        self.edges: list[tuple[object, ...]] = []
        self.movements = 0
        self.finished_lots: list[str] = []
        self.raw_lots: list[str] = []
        self.intermediate_lots: list[str] = []
        self.supplier_lots: list[str] = []
        self.shipments: list[str] = []
        self.order_keys: list[str] = []

    def node(self, kind: Kind, code: str, **values: object) -> str:
        k = key(kind, code)
        self.nodes.append(
            (
                k,
                kind.value,
                code,
                values.get("item_code"),
                values.get("quantity"),
                values.get("unit"),
                values.get("on_hand"),
                None,
                values.get("happened_on"),
                values.get("label"),
                values.get("detail"),
            )
        )
        return k

    def edge(
        self, source: str, target: str, quantity: Decimal | None, unit: str | None, on: date
    ) -> None:
        self.edges.append((source, target, quantity, unit, on))
        if quantity is not None:
            self.movements += 1

    def day(self, position: float) -> date:
        return START + timedelta(days=int(position * 700))

    def near(self, pool: list[str], position: float, count: int) -> list[str]:
        centre = int(position * (len(pool) - 1))
        low = max(0, centre - self.shape.window)
        high = min(len(pool), centre + 1)
        return self.rng.sample(pool[low:high], min(count, high - low))

    def generate(self) -> None:
        s = self.shape
        suppliers = [
            self.node(Kind.SUPPLIER, f"Supplier {i}", label=f"Supplier {i}")
            for i in range(s.suppliers)
        ]
        for i in range(s.raw_lots):
            on = self.day(i / s.raw_lots)
            supplier = self.rng.randrange(s.suppliers)
            item = f"RAW-{self.rng.randrange(40):02d}"
            code = f"SL-{i:07d}"
            origin = self.node(
                Kind.SUPPLIER_LOT,
                supplier_lot_code(f"Supplier {supplier}", code),
                item_code=item,
                label=code,
                detail=f"Supplier {supplier}",
            )
            self.edge(suppliers[supplier], origin, None, None, on)
            lot = self.node(
                Kind.LOT,
                f"{item}-R{i:07d}",
                item_code=item,
                quantity=Decimal(500),
                unit="kg",
                on_hand=Decimal(self.rng.choice([0, 0, 0, 12])),
                happened_on=on,
            )
            self.edge(origin, lot, Decimal(500), "kg", on)
            self.raw_lots.append(lot)
            self.supplier_lots.append(origin)
        self._batches(
            "I",
            s.intermediate_batches,
            self.intermediate_lots,
            [(self.raw_lots, s.raw_per_intermediate)],
        )
        self._batches(
            "F",
            s.finished_batches,
            self.finished_lots,
            [
                (self.intermediate_lots, s.intermediates_per_finished),
                (self.raw_lots, s.raw_per_finished),
            ],
        )
        self._orders()

    def _batches(
        self, prefix: str, count: int, made: list[str], inputs: list[tuple[list[str], int]]
    ) -> None:
        for i in range(count):
            position = i / count
            on = self.day(position)
            item = f"{prefix}-ITEM-{self.rng.randrange(30):02d}"
            po = self.node(
                Kind.PRODUCTION_ORDER,
                f"PO-{prefix}{i:07d}",
                item_code=item,
                quantity=Decimal(200),
                unit="kg",
                happened_on=on,
            )
            for pool, n in inputs:
                for lot in self.near(pool, position, n):
                    self.edge(lot, po, Decimal(self.rng.randint(5, 60)), "kg", on)
            lot = self.node(
                Kind.LOT,
                f"{item}-P{i:07d}",
                item_code=item,
                quantity=Decimal(200),
                unit="kg",
                on_hand=Decimal(self.rng.choice([0, 0, 5])),
                happened_on=on,
            )
            self.edge(po, lot, Decimal(200), "kg", on)
            made.append(lot)

    def _orders(self) -> None:
        s = self.shape
        customers = [
            self.node(Kind.CUSTOMER, f"customer{i}@example.org", label=f"Customer {i}")
            for i in range(s.customers)
        ]
        for i in range(s.orders):
            position = i / s.orders
            on = self.day(position) + timedelta(days=2)
            order = self.node(Kind.ORDER, f"order-{i:07d}", label=f"#{i}", happened_on=on)
            self.edge(order, self.rng.choice(customers), None, None, on)
            shipment = self.node(Kind.SHIPMENT, f"shipment-{i:07d}", happened_on=on)
            lines = self.rng.choice([2, 3, 4, 5])
            for lot in self.near(self.finished_lots, position, lines):
                self.edge(lot, shipment, Decimal(self.rng.randint(1, 24)), "pc", on)
            self.edge(shipment, order, None, None, on)
            self.shipments.append(shipment)
            self.order_keys.append(order)


async def load(history: History, url: str) -> None:
    conn = await asyncpg.connect(db.asyncpg_dsn(url))
    try:
        await conn.execute("TRUNCATE trace_node, trace_edge")
        unique_nodes = list({row[0]: row for row in history.nodes}.values())
        await conn.copy_records_to_table("trace_node", records=unique_nodes)
        unique_edges = list({(row[0], row[1]): row for row in history.edges}.values())
        await conn.copy_records_to_table(
            "trace_edge",
            records=unique_edges,
            columns=["source_key", "target_key", "quantity", "unit", "happened_on"],
        )
        await conn.execute("VACUUM ANALYZE trace_node")
        await conn.execute("VACUUM ANALYZE trace_edge")
    finally:
        await conn.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass(frozen=True)
class Case:
    name: str
    direction: Direction
    starts: list[str]


@dataclass
class Timings:
    wall: list[float]  # ms, what a caller waits (includes waiting for a busy CPU)
    cpu: list[float]  # ms of this process's CPU (Python: driver, rows, assembling)
    sizes: list[int]


async def time_case(
    run: Callable[[str, Direction], Awaitable[int]], case: Case, samples: int, seed: int
) -> Timings:
    rng = random.Random(seed)
    timings = Timings([], [], [])
    for start in (rng.choice(case.starts) for _ in range(samples)):
        began, began_cpu = time.perf_counter(), time.process_time()
        size = await run(start, case.direction)
        timings.wall.append((time.perf_counter() - began) * 1000)
        timings.cpu.append((time.process_time() - began_cpu) * 1000)
        timings.sizes.append(size)
    return timings


def cases(history: History) -> Iterator[Case]:
    yield Case("forward  ingredient lot", Direction.FORWARD, history.raw_lots)
    yield Case("forward  supplier lot", Direction.FORWARD, history.supplier_lots)
    yield Case("forward  intermediate lot", Direction.FORWARD, history.intermediate_lots)
    yield Case("backward order", Direction.BACKWARD, history.order_keys)
    yield Case("backward shipment", Direction.BACKWARD, history.shipments)
    yield Case("backward finished lot", Direction.BACKWARD, history.finished_lots)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--samples", type=int, default=1000, help="traces per case")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="time the kept database again")
    args = parser.parse_args()

    settings = get_settings()
    url = settings.pg.url_for_database(DATABASE)
    began = time.perf_counter()
    history = History(Shape.scaled(args.scale), args.seed)
    history.generate()
    generated = time.perf_counter()
    if not args.reuse:
        await db.drop_database(settings.pg, DATABASE)
        await db.ensure_database(settings.pg, DATABASE)
        await migrations.upgrade("trace", MIGRATIONS, url)
        await load(history, url)
    loaded = time.perf_counter()
    shape = history.shape
    print(
        f"history: {history.movements:,} stock movements, {shape.orders:,} orders, "
        f"{len(history.nodes):,} nodes, {len(history.edges):,} edges "
        f"(generated in {generated - began:.0f} s, loaded in {loaded - generated:.0f} s)"
    )
    # The generated rows stay out of the timings: a service process holds no such heap,
    # and collecting millions of tuples would pause the traces measured here.
    history.nodes.clear()
    history.edges.clear()
    gc.collect()
    gc.freeze()

    engine = db.create_engine(url, pool_size=1)

    async def use_case(start: str, direction: Direction) -> int:
        trace = await queries.trace(engine, start, direction)
        return len(trace.lots) + len(trace.shipments) + len(trace.production_orders)

    async def bare_sql(start: str, direction: Direction) -> int:
        async with engine.connect() as conn:
            nodes, edges = await repository.trace(conn, start, direction)
            return len(nodes) + len(edges)

    print(
        f"{args.samples} random starting points per case; times in ms; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'case':26} {'use case p50':>12} {'p99':>7} {'SQL p50':>8} {'p99':>7} "
        f"{'py CPU p50':>10} {'p99':>6} {'n+e p50':>8} {'max':>6}"
    )
    try:
        for i, case in enumerate(cases(history)):
            await time_case(use_case, case, 20, seed=args.seed + 100 + i)  # warm the cache
            full = await time_case(use_case, case, args.samples, seed=args.seed + i)
            sql = await time_case(bare_sql, case, args.samples, seed=args.seed + i)
            print(
                f"{case.name:26} {statistics.median(full.wall):12.1f} "
                f"{percentile(full.wall, 99):7.1f} {statistics.median(sql.wall):8.1f} "
                f"{percentile(sql.wall, 99):7.1f} {statistics.median(full.cpu):10.1f} "
                f"{percentile(full.cpu, 99):6.1f} {statistics.median(sql.sizes):8.0f} "
                f"{max(sql.sizes):6d}"
            )
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        await engine.dispose()
        if not (args.keep or args.reuse):
            await db.drop_database(settings.pg, DATABASE)


if __name__ == "__main__":
    asyncio.run(main())
