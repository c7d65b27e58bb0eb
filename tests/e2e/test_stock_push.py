"""Stock push over the real system: what a shop may sell reaches the fake Shopify after
stock arrives and after a reservation, drift is visible and corrected."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e import shopify
from tests.e2e.conftest import AdminShop, eventually, json_of
from tests.e2e.test_skeleton_flow import settled_order
from tests.fakes.shopify_admin import FakeShopifyAdmin

pytestmark = pytest.mark.e2e


async def sync_row(gateway: httpx.AsyncClient, domain: str, sku: str) -> dict[str, Any] | None:
    rows = await json_of(await gateway.get("/api/stock-sync", params={"shop": domain, "sku": sku}))
    return rows[0] if rows else None


def shows(quantity: int) -> Any:
    return lambda row: (
        row is not None
        and (row["state"], row["intended"], row["pushed"], row["reported"])
        == (
            "in_sync",
            quantity,
            quantity,
            quantity,
        )
    )


async def test_a_reservation_lowers_the_quantity_the_shop_shows(
    gateway: httpx.AsyncClient, shopify_admin: FakeShopifyAdmin, admin_shop: AdminShop
):
    domain, secret = await admin_shop()
    soap = f"SOAP-{uuid.uuid4().hex[:8].upper()}"
    shopify_admin.inventory.add_variant(soap, available=0)
    await json_of(await gateway.post("/api/items", json={"code": soap, "name": "Soap"}))
    await json_of(
        await gateway.put(f"/api/shops/{domain}/sku-mappings/{soap}", json={"item_code": soap})
    )
    for code, qty, expires in ((f"{soap}-A", "6", "2027-06-30"), (f"{soap}-B", "4", "2020-01-31")):
        lot = {
            "item_code": soap,
            "lot_code": code,
            "quantity": qty,
            "unit": "pc",
            "expires_on": expires,
        }
        await json_of(await gateway.post("/api/lots", json=lot))
    await eventually(
        lambda: sync_row(gateway, domain, soap), shows(6)
    )  # the expired lot is not sold
    assert shopify_admin.inventory.available(soap) == 6

    body = shopify.order_body([(soap, 4)])
    await shopify.post(gateway, body, shopify.headers(body, shop=domain, secret=secret))
    order = await settled_order(gateway, body)

    assert order["status"] == "ready_to_ship"
    await eventually(lambda: sync_row(gateway, domain, soap), shows(2))
    assert shopify_admin.inventory.available(soap) == 2
    assert shopify_admin.inventory.sets[-1] == (soap, 2)


async def test_drift_in_the_shop_is_visible_and_corrected_by_reconciliation(
    gateway: httpx.AsyncClient, shopify_admin: FakeShopifyAdmin, admin_shop: AdminShop
):
    domain, _ = await admin_shop()
    jam = f"JAM-{uuid.uuid4().hex[:8].upper()}"
    shopify_admin.inventory.add_variant(jam, available=0)
    await json_of(await gateway.post("/api/items", json={"code": jam, "name": "Jam"}))
    await json_of(
        await gateway.put(f"/api/shops/{domain}/sku-mappings/{jam}", json={"item_code": jam})
    )
    lot = {"item_code": jam, "lot_code": f"{jam}-1", "quantity": "9", "unit": "pc"}
    await json_of(await gateway.post("/api/lots", json=lot))
    await eventually(lambda: sync_row(gateway, domain, jam), shows(9))

    shopify_admin.inventory.edit_in_admin(jam, 40)  # someone typed 40 in the shop's admin

    async def jam_sets() -> list[int]:
        return [q for sku, q in shopify_admin.inventory.sets if sku == jam]

    assert await eventually(jam_sets, lambda sets: len(sets) >= 2, timeout=30) == [9, 9]
    row = await eventually(lambda: sync_row(gateway, domain, jam), shows(9))
    assert shopify_admin.inventory.available(jam) == 9
    assert row["drift"] == 0
