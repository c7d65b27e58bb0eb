"""Invariant 8 over the real system: a recall takes its lots out of every availability
figure at once — inventory's stock, production's quote and can-make, and the quantity the
shop is told — and the shop is told because of the recall, with no other stock movement."""

from __future__ import annotations

import functools
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import AdminShop, eventually, json_of
from tests.e2e.test_make_to_order import post_until_accepted
from tests.e2e.test_stock_push import shows, sync_row
from tests.fakes.shopify_admin import FakeShopifyAdmin

pytestmark = pytest.mark.e2e


async def catalogue(gateway: httpx.AsyncClient, tag: str) -> tuple[str, str, str]:
    """FLOUR (7 days from its miller, none in stock) → DOUGH (kg) → BISC (5 pc from 500 g)."""
    flour, dough, bisc = (f"{x}-{tag}" for x in ("FLOUR", "DOUGH", "BISC"))
    for code, kind, unit, extra in (
        (flour, "raw_material", "kg", {"supplier": "Mulino Rossi", "lead_time_days": 7}),
        (dough, "intermediate", "kg", {}),
        (bisc, "finished_good", "pc", {}),
    ):
        item = {"code": code, "name": code, "kind": kind, "base_unit": unit, **extra}
        await json_of(await gateway.post("/api/items", json=item))
    for made, batch, unit, line in (
        (dough, "10", "kg", {"item_code": flour, "quantity": "6", "unit": "kg"}),
        (bisc, "5", "pc", {"item_code": dough, "quantity": "500", "unit": "g"}),
    ):
        recipe = {"item_code": made, "batch_size": batch, "unit": unit, "lines": [line]}
        await post_until_accepted(gateway, "/api/recipes", recipe)
    return flour, dough, bisc


async def lot(gateway: httpx.AsyncClient, item: str, code: str, quantity: str, unit: str) -> None:
    body = {"item_code": item, "lot_code": code, "quantity": quantity, "unit": unit}
    await json_of(await gateway.post("/api/lots", json=body))


async def stock_of(gateway: httpx.AsyncClient, item: str) -> Any:
    [row] = await json_of(await gateway.get("/api/stock", params={"item_code": item}))
    return row


async def quote(gateway: httpx.AsyncClient, item: str, quantity: str) -> Any:
    body = {"lines": [{"item_code": item, "quantity": quantity, "unit": "pc"}]}
    return await json_of(await gateway.post("/api/quotes", json=body))


async def can_make(gateway: httpx.AsyncClient, item: str, quantity: str) -> Any:
    body = {"item_code": item, "quantity": quantity, "unit": "pc"}
    return await json_of(await gateway.post("/api/availability", json=body))


def dough_available(answer: Any, dough: str) -> str:
    return str(next(m["available"] for m in answer["materials"] if m["item_code"] == dough))


async def recall(gateway: httpx.AsyncClient, lot_code: str) -> Any:
    """The trace knows a lot once its receipt is projected: retry until it does."""

    async def attempt() -> httpx.Response:
        body = {"lot_code": lot_code, "reason": "Listeria in the dough room"}
        return await gateway.post("/api/trace/recalls", json=body)

    answer = await eventually(attempt, lambda a: a.status_code == 201, timeout=30)
    return answer.json()


async def test_a_recall_leaves_stock_quotes_can_make_and_the_shop_at_once(
    gateway: httpx.AsyncClient, shopify_admin: FakeShopifyAdmin, admin_shop: AdminShop
):
    tag = uuid.uuid4().hex[:6].upper()
    domain, _ = await admin_shop()
    flour, dough, bisc = await catalogue(gateway, tag)
    shopify_admin.inventory.add_variant(bisc, available=0)
    await json_of(
        await gateway.put(f"/api/shops/{domain}/sku-mappings/{bisc}", json={"item_code": bisc})
    )
    dough_lot, recalled, kept = f"{dough}-L1", f"{bisc}-L1", f"{bisc}-L2"
    await lot(gateway, dough, dough_lot, "1", "kg")
    await lot(gateway, bisc, recalled, "6", "pc")
    await lot(gateway, bisc, kept, "4", "pc")
    # Before: all 10 biscuits sell, 8 are quoted from stock, the dough lot starts a batch now.
    await eventually(functools.partial(sync_row, gateway, domain, bisc), shows(10))
    await eventually(
        functools.partial(quote, gateway, bisc, "8"), lambda q: q["dominant"] == "stock"
    )
    before = await eventually(
        functools.partial(can_make, gateway, bisc, "10"), lambda a: a["can_start_now"]
    )
    assert dough_available(before, dough) == "1"
    pushes_before = len(shopify_admin.inventory.sets)

    for lot_code in (recalled, dough_lot):
        await recall(gateway, lot_code)

    # Inventory: the recalled 6 pieces are on hand but blocked, only the kept 4 are available.
    stock = await eventually(
        functools.partial(stock_of, gateway, bisc), lambda s: s["available"] == "4"
    )
    assert (stock["on_hand"], stock["reserved"], stock["blocked"]) == ("10", "0", "6")
    # The shop is told 4 because of the recall: nothing else moved in between.
    await eventually(functools.partial(sync_row, gateway, domain, bisc), shows(4), timeout=15)
    assert shopify_admin.inventory.available(bisc) == 4
    assert [q for sku, q in shopify_admin.inventory.sets[pushes_before:] if sku == bisc] == [4]
    lots = await json_of(await gateway.get("/api/lots", params={"item_code": bisc}))
    assert {x["lot_code"]: (x["on_hand"], x["status"]) for x in lots} == {
        recalled: ("6", "blocked"),
        kept: ("4", "available"),
    }
    # Production: 8 pieces now need a batch, whose dough must be made from flour not in stock.
    after = await eventually(
        functools.partial(quote, gateway, bisc, "8"), lambda q: q["dominant"] != "stock"
    )
    assert after["dominant"] == f"material {flour} (7 days)"
    made = await eventually(
        functools.partial(can_make, gateway, bisc, "10"), lambda a: not a["can_start_now"]
    )
    assert dough_available(made, dough) == "0"
