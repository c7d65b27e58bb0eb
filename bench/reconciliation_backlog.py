"""The third mode of ``make bench``: a marketplace replaying its backlog. A shop whose
webhooks never arrived holds ``orders`` open orders (2,000 by default) in its Admin API — a
loopback fake of Shopify's REST orders listing, run by the benchmark — and one reconciliation
run brings them in. Timed from the request to the run's answer and to the first settled
status of every order; every Shopify order id is then exactly one order."""

from __future__ import annotations

import random
import time
from typing import Any

import httpx

from bench import probes
from bench.rates import percentiles
from bench.seed import Catalogue
from bench.system import Target
from tests.fakes.shopify_admin import running_fake
from tests.fakes.shopify_orders import FakeOrdersListing, rest_order

SHOPIFY = "shopify"


async def run(
    target: Target,
    catalogue: Catalogue,
    *,
    orders: int,
    drain_timeout: float,
    seed_value: int = 23,
) -> dict[str, Any]:
    rng = random.Random(seed_value)
    async with (
        running_fake() as admin,
        httpx.AsyncClient(
            base_url=target.gateway, headers=target.headers, timeout=max(drain_timeout, 60.0)
        ) as client,
    ):
        listing = FakeOrdersListing(admin)
        for sku in catalogue.stocked:  # stock push finds the shop's variants
            admin.inventory.add_variant(sku, available=0)
        backlog = [
            rest_order([(rng.choice(catalogue.stocked), rng.choice((1, 1, 2)))])
            for _ in range(orders)
        ]
        for order in backlog:
            listing.put(order)
        connect = {"admin_api_url": admin.url, "access_token": admin.access_token}
        answer = await client.patch(f"/api/shops/{catalogue.shop}", json=connect)
        answer.raise_for_status()
        started = time.time()
        answer = await client.post(f"/api/shops/{catalogue.shop}/reconcile")
        answered = time.time()
        body = answer.json() if answer.status_code == 200 else {"error": answer.text[:300]}
        ids = [str(order["id"]) for order in backlog]
        found = await probes.wait_settled(
            target.settings, ids, channel=SHOPIFY, wait_seconds=drain_timeout
        )
        # its Admin API goes with this block: the system must not reconcile the shop
        # against a dead address every interval from now on
        disconnect = await client.patch(f"/api/shops/{catalogue.shop}", json={"access_token": None})
        disconnect.raise_for_status()
    settled = [rows[0].settled_at for rows in found.values() if rows and rows[0].settled_at]
    last = max(settled, default=answered)
    return {
        "orders": orders,
        "status": answer.status_code,
        "orders_seen": body.get("orders_seen"),
        "orders_applied": body.get("orders_applied"),
        "pages": body.get("pages"),
        "error": body.get("error"),
        "answer_seconds": round(answered - started, 2),
        "settled": len(settled),
        "lost": sum(1 for i in ids if not found.get(i)),
        "duplicates": sum(1 for rows in found.values() if len(rows) > 1),
        "all_settled_seconds": round(last - started, 2) if settled else None,
        "orders_per_second": round(len(settled) / (last - started), 1) if settled else None,
        "settle_ms": percentiles([at - started for at in settled]),
    }
