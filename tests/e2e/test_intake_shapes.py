"""Issue 18 over the real broker and databases, with bodies in the shapes real shops send:
lines without a SKU mapped by their variant, discounted prices and the order's totals kept to
the cent, test orders kept without demand (unless the shop runs a trial), an order born
cancelled keeping its lines, and an unknown shop's reconcile refused at once."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.e2e import shopify
from tests.e2e.conftest import eventually, json_of
from tests.e2e.test_skeleton_flow import (
    Shop,
    new_item,
    new_shop,
    order_by_external_id,
    settled_order,
)

pytestmark = pytest.mark.e2e


def money_set(amount: str, currency: str = "HKD") -> dict[str, Any]:
    money = {"amount": amount, "currency_code": currency}
    return {"shop_money": money, "presentment_money": money}


def real_line(
    sku: str | None, quantity: int, price: str, discounts: list[str], current: int | None = None
) -> dict[str, Any]:
    """A line as Shopify 2024-10 sends it: ``total_discount`` stays 0.00 while the order's
    discounts sit in ``discount_allocations``; no SKU on many real variants."""
    line_id, variant, product = shopify.shopify_id(), shopify.shopify_id(), shopify.shopify_id()
    return {
        "id": line_id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
        "current_quantity": quantity if current is None else current,
        "fulfillable_quantity": quantity if current is None else current,
        "name": "Green Snowboard",
        "price": price,
        "price_set": money_set(price),
        "product_id": product,
        "quantity": quantity,
        "sku": sku,
        "title": "Green Snowboard",
        "total_discount": "0.00",
        "total_discount_set": money_set("0.00"),
        "variant_id": variant,
        "tax_lines": [],
        "discount_allocations": [
            {"amount": a, "amount_set": money_set(a), "discount_application_index": i}
            for i, a in enumerate(discounts)
        ],
    }


def real_order(lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    order_id = shopify.shopify_id()
    order: dict[str, Any] = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{order_id % 10000}",
        "email": "buyer@example.org",
        "created_at": "2025-01-03T16:36:23+08:00",
        "updated_at": "2025-01-03T16:36:24+08:00",
        "cancelled_at": None,
        "cancel_reason": None,
        "currency": "HKD",
        "presentment_currency": "HKD",
        "financial_status": "paid",
        "test": False,
        "customer": {"id": shopify.shopify_id(), "first_name": "Mei", "last_name": "Chan"},
        "shipping_address": {"name": "Mei Chan", "city": "Hong Kong", "country_code": "HK"},
        "line_items": lines,
        "shipping_lines": [],
        "tax_lines": [],
    }
    order.update(fields)
    return order


def wire(order: dict[str, Any]) -> bytes:
    return json.dumps(order, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/").encode()


async def send(gateway: httpx.AsyncClient, shop: Shop, order: dict[str, Any], **kw: str) -> None:
    body = wire(order)
    answer = await shopify.post(
        gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret, **kw)
    )
    assert answer.status_code == 200, answer.text


async def the_order(gateway: httpx.AsyncClient, order: dict[str, Any], status: str) -> Any:
    [found] = await eventually(
        lambda: order_by_external_id(gateway, str(order["id"])),
        lambda orders: len(orders) == 1 and orders[0]["status"] == status,
    )
    return found


async def reserved(gateway: httpx.AsyncClient, order_id: str) -> int:
    answer = await gateway.get("/api/reservations", params={"order_id": order_id})
    return sum(int(r["quantity"]) for r in await json_of(answer))


async def a_live_order_settles(gateway: httpx.AsyncClient, shop: Shop, item: str) -> None:
    """The positive signal that everything sent before it has been through every service."""
    body = shopify.order_body([(item, 1)])
    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))
    await settled_order(gateway, body)


async def test_a_line_without_a_sku_is_released_by_mapping_its_variant_and_reserved_once(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("10", "2027-06-30"))
    line = real_line("", 3, "100.00", [])
    order = real_order([line])
    await send(gateway, shop, order)
    held = await the_order(gateway, order, "on_hold")
    variant = f"variant:{line['variant_id']}"
    assert held["hold_reason"] == f"unknown_sku: (empty) {variant}"
    assert (held["lines"][0]["sku"], held["lines"][0]["mapping_key"]) == ("", variant)

    mapped = await gateway.put(
        f"/api/shops/{shop.domain}/sku-mappings/{variant}", json={"item_code": soap}
    )
    assert mapped.status_code == 200, mapped.text
    ready = await the_order(gateway, order, "ready_to_ship")
    await gateway.put(f"/api/shops/{shop.domain}/sku-mappings/{variant}", json={"item_code": soap})
    await a_live_order_settles(gateway, shop, soap)

    again = await the_order(gateway, order, "ready_to_ship")
    assert again["lines"][0]["item_code"] == soap
    assert [h["status"] for h in again["history"]].count("received") == 2  # born, released
    assert await reserved(gateway, ready["id"]) == 3
    bad = await gateway.put(
        f"/api/shops/{shop.domain}/sku-mappings/variant:abc", json={"item_code": soap}
    )
    assert bad.status_code == 422


async def test_a_discounted_order_keeps_net_prices_and_totals_to_the_cent(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("10", "2027-06-30"))
    lines = [real_line(soap, 1, "99.00", ["4.78", "5.00"]), real_line(soap, 3, "100.00", ["5.08"])]
    order = real_order(
        lines,
        subtotal_price="384.14",
        subtotal_price_set=money_set("384.14"),
        total_discounts="14.86",
        total_discounts_set=money_set("14.86"),
        total_line_items_price="399.00",
        total_shipping_price_set=money_set("20.00"),
        shipping_lines=[{"id": shopify.shopify_id(), "price": "20.00", "title": "Tran fee"}],
        total_tax="0.00",
        total_tax_set=money_set("0.00"),
        total_price="404.14",
        total_price_set=money_set("404.14"),
        current_total_price="404.14",
        current_subtotal_price="384.14",
        current_total_discounts="14.86",
    )

    await send(gateway, shop, order)

    found = await the_order(gateway, order, "ready_to_ship")
    prices = [(ln["unit_price"], ln["gross"], ln["discount"], ln["net"]) for ln in found["lines"]]
    assert prices == [("99.00", "99.00", "9.78", "89.22"), ("100.00", "300.00", "5.08", "294.92")]
    totals = [found[k] for k in ("subtotal", "discounts", "shipping", "tax", "total")]
    assert totals == ["384.14", "14.86", "20.00", "0.00", "404.14"]
    assert found["currency"] == "HKD"


async def test_a_test_order_reserves_nothing_unless_its_shop_runs_a_trial(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("10", "2027-06-30"))
    test_order = real_order([real_line(soap, 2, "9.90", [])], test=True)
    await send(gateway, shop, test_order)
    await a_live_order_settles(gateway, shop, soap)

    kept = await the_order(gateway, test_order, "on_hold")
    assert kept["is_test"] is True and kept["hold_reason"].startswith("test_order")
    assert await reserved(gateway, kept["id"]) == 0

    trial = await gateway.patch(f"/api/shops/{shop.domain}", json={"test_orders_live": True})
    assert trial.status_code == 200 and trial.json()["test_orders_live"] is True
    live_test = real_order([real_line(soap, 2, "9.90", [])], test=True)
    await send(gateway, shop, live_test)
    live = await the_order(gateway, live_test, "ready_to_ship")
    assert live["is_test"] is True
    assert await reserved(gateway, live["id"]) == 2


async def test_an_order_born_cancelled_keeps_its_lines_as_ordered_with_no_demand(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("10", "2027-06-30"))
    order = real_order(
        [real_line(soap, 2, "100.00", ["5.00"], current=0), real_line("", 1, "9.90", [], 0)],
        cancelled_at="2025-01-03T16:40:00+08:00",
        cancel_reason="customer",
        financial_status="refunded",
        updated_at="2025-01-03T16:40:01+08:00",
        current_total_price="0.00",
        current_subtotal_price="0.00",
    )
    await send(gateway, shop, order, topic="orders/cancelled")
    await a_live_order_settles(gateway, shop, soap)

    cancelled = await the_order(gateway, order, "cancelled")

    ordered = [(ln["sku"], ln["quantity"], ln["net"]) for ln in cancelled["lines"]]
    assert ordered == [(soap, "2", "195.00"), ("", "1", "9.90")]
    assert await reserved(gateway, cancelled["id"]) == 0
    assert cancelled["production_orders"] == []


async def test_reconciling_an_unknown_shop_answers_404_at_once(gateway):
    started = time.monotonic()

    answer = await gateway.post("/api/shops/000/reconcile")

    assert answer.status_code == 404, answer.text
    assert time.monotonic() - started < 5
