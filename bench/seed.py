"""What the benchmark's shop sells, seeded through the gateway's API: finished goods with
stock enough for the whole run, one item made to order from plentiful materials, and a SKU
the shop never mapped (its orders are held)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

RECIPE_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Catalogue:
    shop: str
    secret: str
    stocked: tuple[str, ...]  # SKUs (= item codes) served from stock
    made_to_order: str  # no stock; a recipe whose materials are in stock
    unmapped: str  # a SKU with no mapping: the order is held


async def _ok(answer: httpx.Response) -> Any:
    if answer.status_code >= 400:
        raise RuntimeError(f"{answer.request.method} {answer.request.url}: {answer.text}")
    return answer.json()


async def _item(client: httpx.AsyncClient, code: str, kind: str, unit: str) -> None:
    body = {"code": code, "name": code.title(), "kind": kind, "base_unit": unit}
    await _ok(await client.post("/api/items", json=body))


async def _recipe(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    """Production learns of new items over Kafka: a 422 means not yet, so ask again."""
    deadline = time.monotonic() + RECIPE_WAIT_SECONDS
    while True:
        answer = await client.post("/api/recipes", json=body)
        if answer.status_code != 422 or time.monotonic() > deadline:
            await _ok(answer)
            return
        await asyncio.sleep(0.5)


async def seed(client: httpx.AsyncClient, *, orders: int) -> Catalogue:
    """Enough stock for ``orders`` orders of up to three pieces each, all from stock."""
    tag = uuid.uuid4().hex[:6].upper()
    catalogue = Catalogue(
        shop=f"bench-{tag.lower()}.myshopify.com",
        secret=uuid.uuid4().hex,
        stocked=(f"SOAP-{tag}", f"HONEY-{tag}", f"CANDLE-{tag}"),
        made_to_order=f"CAKE-{tag}",
        unmapped=f"UNMAPPED-{tag}",
    )
    flour, jar = f"FLOUR-{tag}", f"JAR-{tag}"
    shop = {"domain": catalogue.shop, "channel": "shopify", "webhook_secret": catalogue.secret}
    await _ok(await client.post("/api/shops", json=shop))
    for code in (*catalogue.stocked, catalogue.made_to_order):
        await _item(client, code, "finished_good", "pc")
        path = f"/api/shops/{catalogue.shop}/sku-mappings/{code}"
        await _ok(await client.put(path, json={"item_code": code}))
    await _item(client, flour, "raw_material", "kg")
    await _item(client, jar, "packaging", "pc")
    per_lot = str(max(orders, 10) * 2)  # two lots per item: 4 × orders pieces in all
    for code in catalogue.stocked:
        for n, expires in enumerate(("2030-06-30", "2030-12-31")):
            lot = {"item_code": code, "lot_code": f"{code}-L{n}", "quantity": per_lot}
            await _ok(
                await client.post("/api/lots", json={**lot, "unit": "pc", "expires_on": expires})
            )
    for code, unit in ((flour, "kg"), (jar, "pc")):
        receipt = {"item_code": code, "quantity": str(max(orders, 10) * 10), "unit": unit}
        extra = {"supplier": "Bench", "supplier_lot_code": f"S-{code}", "expires_on": "2030-12-31"}
        await _ok(await client.post("/api/receipts", json={**receipt, **extra}))
    await _recipe(
        client,
        {
            "item_code": catalogue.made_to_order,
            "batch_size": "1",
            "unit": "pc",
            "expected_yield": "1",
            "whole_batches": False,
            "duration_minutes": 30,
            "lines": [
                {"item_code": flour, "quantity": "0.5", "unit": "kg"},
                {"item_code": jar, "quantity": "1", "unit": "pc"},
            ],
        },
    )
    return catalogue
