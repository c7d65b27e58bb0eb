"""Unknown and empty SKUs: the order is kept on hold, nothing lost, and released exactly once
when the mapping is fixed (over Kafka) or by an operator."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e import shopify
from tests.e2e.conftest import eventually, json_of
from tests.e2e.test_skeleton_flow import external_id_of, new_item, new_shop, order_by_external_id

pytestmark = pytest.mark.e2e


async def reservations(gateway: httpx.AsyncClient, order_id: str) -> list[Any]:
    return list(
        await json_of(await gateway.get("/api/reservations", params={"order_id": order_id}))
    )


def one_with(status: str) -> Any:
    return lambda orders: len(orders) == 1 and orders[0]["status"] == status


async def test_unknown_sku_is_held_then_released_and_reserved_once_when_mapped(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("10", "2027-06-30"))
    shop_sku = f"SHOP-{uuid.uuid4().hex[:6].upper()}"
    body = shopify.order_body([(shop_sku, 3)])
    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))
    [held] = await eventually(
        lambda: order_by_external_id(gateway, external_id_of(body)), one_with("on_hold")
    )
    assert held["hold_reason"] == f"unknown_sku: {shop_sku}"
    assert held["lines"][0]["item_code"] is None

    mapping = {"item_code": soap}
    await json_of(
        await gateway.put(f"/api/shops/{shop.domain}/sku-mappings/{shop_sku}", json=mapping)
    )
    [ready] = await eventually(
        lambda: order_by_external_id(gateway, external_id_of(body)), one_with("ready_to_ship")
    )
    # The same mapping again, and an operator's late release, change nothing.
    await json_of(
        await gateway.put(f"/api/shops/{shop.domain}/sku-mappings/{shop_sku}", json=mapping)
    )
    late = await gateway.post(f"/api/orders/{ready['id']}/release")
    second = await shopify.post(
        gateway, shopify.order_body([(shop_sku, 2)]), {}
    )  # unsigned: refused, so no order
    assert late.status_code == 409 and second.status_code == 401
    later = await eventually(
        lambda: order_by_external_id(gateway, external_id_of(body)), one_with("ready_to_ship")
    )
    assert later[0]["lines"][0]["item_code"] == soap
    assert [(h["previous"], h["status"]) for h in later[0]["history"]] == [
        (None, "received"),
        ("received", "on_hold"),
        ("on_hold", "received"),
        ("received", "ready_to_ship"),
    ]
    reserved = await reservations(gateway, ready["id"])
    assert sum(int(r["quantity"]) for r in reserved) == 3


async def test_a_mapping_published_before_the_order_lands_is_applied_at_intake(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("10", "2027-06-30"))
    shop_sku = f"EARLY-{uuid.uuid4().hex[:6].upper()}"
    await json_of(
        await gateway.put(
            f"/api/shops/{shop.domain}/sku-mappings/{shop_sku}", json={"item_code": soap}
        )
    )
    body = shopify.order_body([(shop_sku, 1)])

    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))

    [order] = await eventually(
        lambda: order_by_external_id(gateway, external_id_of(body)), one_with("ready_to_ship")
    )
    assert order["lines"][0]["item_code"] == soap


async def test_an_empty_sku_is_held_with_its_line_kept_and_released_by_an_operator(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("10", "2027-06-30"))
    body = shopify.order_body([("", 2), (soap, 1)])
    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))
    [held] = await eventually(
        lambda: order_by_external_id(gateway, external_id_of(body)), one_with("on_hold")
    )
    variant = json.loads(body)["line_items"][0]["variant_id"]
    assert held["hold_reason"] == f"unknown_sku: (empty) variant:{variant}"  # its mapping key
    empty_line = held["lines"][0]
    assert (empty_line["sku"], empty_line["quantity"], empty_line["item_code"]) == ("", "2", None)
    assert empty_line["external_line_id"]  # the channel line is kept, so nothing is lost

    refused = await gateway.post(f"/api/orders/{held['id']}/release")
    assert refused.status_code == 409
    assert "unknown_sku: (empty)" in refused.json()["detail"]
    bad_line = await gateway.post(f"/api/orders/{held['id']}/release", json={"items": {"9": soap}})
    assert bad_line.status_code == 422 and "line 9" in bad_line.json()["detail"]

    released = await gateway.post(
        f"/api/orders/{held['id']}/release", json={"items": {"1": soap}, "reason": "phoned"}
    )

    assert released.status_code == 200, released.text
    [ready] = await eventually(
        lambda: order_by_external_id(gateway, external_id_of(body)), one_with("ready_to_ship")
    )
    assert sum(int(r["quantity"]) for r in await reservations(gateway, ready["id"])) == 3
