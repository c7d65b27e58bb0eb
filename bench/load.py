"""An open-loop load of signed Shopify ``orders/create`` webhooks: arrivals keep to their
schedule whatever the answers do, so a slow system meets the load it would meet in life."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp

from bench.seed import Catalogue
from services.cli import shopify

# The mix: most orders from stock, some made to order, a few for a SKU nobody mapped.
KINDS = ("stock", "production", "unmapped")
WEIGHTS = (0.85, 0.10, 0.05)


@dataclass(frozen=True)
class Delivery:
    """One webhook, built and signed before the clock starts."""

    kind: str
    external_id: str
    webhook_id: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Sent:
    """What became of one delivery; times are the wall clock (the databases' own)."""

    delivery: Delivery
    sent_at: float
    answer_seconds: float | None  # None: no answer (timeout, refused connection)
    status: int | None
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def deliveries(catalogue: Catalogue, count: int, rng: random.Random) -> list[Delivery]:
    sample = shopify.sample_order()
    built = []
    for kind in rng.choices(KINDS, WEIGHTS, k=count):
        sku = {
            "stock": rng.choice(catalogue.stocked),
            "production": catalogue.made_to_order,
            "unmapped": catalogue.unmapped,
        }[kind]
        order_id = shopify.random_order_id()
        body = shopify.single_line_order(
            sample,
            sku=sku,
            quantity=rng.randint(1, 3),
            order_id=order_id,
            line_id=shopify.random_order_id(),
            placed_at=datetime.now(UTC),
        )
        webhook_id = str(uuid.uuid4())
        headers = shopify.webhook_headers(
            body,
            shop=catalogue.shop,
            secret=catalogue.secret,
            topic="orders/create",
            webhook_id=webhook_id,
        )
        built.append(Delivery(kind, str(order_id), webhook_id, body, headers))
    return built


async def _post(session: aiohttp.ClientSession, url: str, delivery: Delivery) -> Sent:
    sent_at, started = time.time(), time.perf_counter()
    try:
        async with session.post(url, data=delivery.body, headers=delivery.headers) as answer:
            await answer.read()
            status = answer.status
    except (aiohttp.ClientError, TimeoutError) as error:
        return Sent(delivery, sent_at, None, None, f"{type(error).__name__}: {error}")
    return Sent(delivery, sent_at, time.perf_counter() - started, status)


async def drive(to: str | Sequence[str], batch: list[Delivery], *, rate: float) -> list[Sent]:
    """Send ``batch`` at ``rate`` per second on a fixed schedule (arrival ``i`` at
    ``i / rate``), never waiting for an answer before the next arrival. ``to``: the gateway,
    or several base URLs (each connectors instance) taken round-robin, arrival ``i`` to
    ``to[i % len(to)]``."""
    bases = [to] if isinstance(to, str) else list(to)
    if not bases:
        raise ValueError("no address to send the webhooks to")
    # aiohttp, not httpx: the load generator shares the cores it measures, and httpx cost
    # about four times the CPU per POST (its pool, anyio streams, cookie and URL handling).
    # Idle connections are dropped after 2 s, before uvicorn's 5 s keep-alive closes them.
    connector = aiohttp.TCPConnector(limit=2000, keepalive_timeout=2.0)
    async with aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=60.0),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    ) as session:
        loop = asyncio.get_running_loop()
        urls = [f"{base.rstrip('/')}/webhooks/shopify" for base in bases]
        start = loop.time()
        tasks = []
        for i, delivery in enumerate(batch):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_post(session, urls[i % len(urls)], delivery)))
        return list(await asyncio.gather(*tasks))
