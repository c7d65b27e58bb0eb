"""The second mode of ``make bench``: one wholesale CSV of many lines (5,000 by default),
posted whole to the gateway the way a distributor's file arrives, timed from the request to
the answer and to the first settled status of every order in it; every reference is then
exactly one order (checked in the orders database)."""

from __future__ import annotations

import csv
import io
import random
import time
import uuid
from typing import Any

import httpx

from bench import probes
from bench.rates import percentiles
from bench.seed import Catalogue
from bench.system import Target

LINES_PER_ORDER = 5
WHOLESALE = "wholesale"


def build(catalogue: Catalogue, lines: int, rng: random.Random) -> tuple[str, list[str]]:
    """The file's text and its references: ``lines`` rows, ``LINES_PER_ORDER`` per order,
    each a few pieces of a stocked item."""
    tag = uuid.uuid4().hex[:6].upper()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["order_reference", "customer_name", "customer_email", "item", "quantity"])
    references: list[str] = []
    for n in range(lines):
        if n % LINES_PER_ORDER == 0:
            references.append(f"BENCH-{tag}-{n // LINES_PER_ORDER:05d}")
        reference = references[-1]
        shop = f"Bottega {len(references)}"
        email = f"{reference.lower()}@bench.example"
        item = rng.choice(catalogue.stocked)
        writer.writerow([reference, shop, email, item, rng.choice((1, 1, 2))])
    return out.getvalue(), references


async def run(
    target: Target,
    catalogue: Catalogue,
    *,
    lines: int,
    drain_timeout: float,
    seed_value: int = 17,
) -> dict[str, Any]:
    text, references = build(catalogue, lines, random.Random(seed_value))
    started = time.time()
    async with httpx.AsyncClient(
        base_url=target.gateway,
        headers={**target.headers, "Content-Type": "text/csv"},
        timeout=max(drain_timeout, 60.0),
    ) as client:
        answer = await client.post("/api/imports/orders", content=text.encode())
    answered = time.time()
    body = answer.json() if answer.status_code == 200 else {}
    found = await probes.wait_settled(
        target.settings, references, channel=WHOLESALE, wait_seconds=drain_timeout
    )
    settled = [rows[0].settled_at for rows in found.values() if rows and rows[0].settled_at]
    last = max(settled, default=answered)
    return {
        "lines": lines,
        "orders": len(references),
        "status": answer.status_code,
        "created": body.get("created"),
        "row_errors": len(body.get("errors", [])),
        "answer_seconds": round(answered - started, 2),
        "settled": len(settled),
        "lost": sum(1 for r in references if not found.get(r)),
        "duplicates": sum(1 for rows in found.values() if len(rows) > 1),
        "all_settled_seconds": round(last - started, 2) if settled else None,
        "orders_per_second": round(len(settled) / (last - started), 1) if settled else None,
        "lines_per_second": round(lines / (last - started), 1) if settled else None,
        "settle_ms": percentiles([at - started for at in settled]),
    }
