"""WooCommerce end to end: the whole system as processes over real Kafka and PostgreSQL, the
connectors talking to the faithful WooCommerce fake over loopback HTTP, its webhooks sent
signed through the gateway."""

from __future__ import annotations

import functools
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import System, all_handled, eventually, json_of
from tests.fakes.woocommerce import FakeWooCommerce, Store, sign

pytestmark = pytest.mark.e2e


async def connected_store(gateway: httpx.AsyncClient, woo: FakeWooCommerce) -> Store:
    store = woo.store()
    answer = await json_of(
        await gateway.post(
            "/api/woocommerce/stores",
            json={
                "shop": store.name,
                "base_url": store.base_url,
                "consumer_key": store.consumer_key,
                "consumer_secret": store.consumer_secret,
                "webhook_secret": store.webhook_secret,
            },
        )
    )
    assert answer["webhook_path"] == f"/webhooks/woocommerce/{store.name}"
    assert store.consumer_secret not in str(answer) and store.webhook_secret not in str(answer)
    return store


async def stocked_item(gateway: httpx.AsyncClient, store: Store, quantity: str) -> str:
    code = f"SOAP-{uuid.uuid4().hex[:6].upper()}"
    await json_of(await gateway.post("/api/items", json={"code": code, "name": code}))
    await json_of(
        await gateway.put(f"/api/shops/{store.name}/sku-mappings/{code}", json={"item_code": code})
    )
    await json_of(
        await gateway.post(
            "/api/lots",
            json={
                "item_code": code,
                "lot_code": f"{code}-A",
                "quantity": quantity,
                "unit": "pc",
                "expires_on": "2028-06-30",
            },
        )
    )
    return code


async def send(
    gateway: httpx.AsyncClient, store: Store, topic: str, order_id: int, **kw: Any
) -> str:
    body, headers = store.signed_delivery(topic, order_id, **kw)
    answer = await gateway.post(
        f"/webhooks/woocommerce/{store.name}", content=body, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["status"])


async def lotline_orders(gateway: httpx.AsyncClient, store: Store, order_id: int) -> list[Any]:
    external = f"{store.name}/{order_id}"
    answer = await gateway.get(
        "/api/orders", params={"channel": "woocommerce", "external_id": external}
    )
    return list(await json_of(answer))


async def order_status(gateway: httpx.AsyncClient, store: Store, order_id: int) -> Any:
    found = await lotline_orders(gateway, store, order_id)
    return found[0]["status"] if len(found) == 1 else found or None


async def test_dropped_webhooks_are_recovered_by_reconciliation_exactly(
    gateway: httpx.AsyncClient, woocommerce: FakeWooCommerce
) -> None:
    store = await connected_store(gateway, woocommerce)
    soap = await stocked_item(gateway, store, "50")
    placed = [store.new_order([(soap, 1, "6.50")]) for _ in range(7)]
    delivered, dropped = placed[::2], placed[1::2]

    for order in delivered:
        assert await send(gateway, store, "order.created", order["id"]) == "publish"
    for order in delivered:
        await eventually(
            functools.partial(order_status, gateway, store, order["id"]),
            lambda s: s == "ready_to_ship",
        )
    # a host's rate limit, then a bad gateway: both retried (the stock push's calls to
    # /products run meanwhile and are not scripted)
    store.fail_next(2, 429, path="orders")
    store.fail_next(1, 502, retry_after=None, path="orders")

    run = await json_of(await gateway.post(f"/api/woocommerce/stores/{store.name}/reconcile"))
    again = await json_of(await gateway.post(f"/api/woocommerce/stores/{store.name}/reconcile"))

    assert run["error"] is None and run["orders_seen"] == 7 and run["pages"] == 4
    assert run["published"] == len(dropped) == 3
    assert again["published"] == 0  # the watermark and the overlap: nothing twice
    for order in dropped:
        await eventually(
            functools.partial(order_status, gateway, store, order["id"]),
            lambda s: s == "ready_to_ship",
        )
    for order in placed:
        assert len(await lotline_orders(gateway, store, order["id"])) == 1
    listed = [r for r in store.requests if r.path == "/orders"]
    assert [r.status for r in listed[:3]] == [429, 429, 502]
    seen = await json_of(await gateway.get(f"/api/woocommerce/stores/{store.name}"))
    assert seen["last_error"] is None and seen["watermark"] is not None


async def test_redeliveries_and_an_older_update_leave_one_order_in_the_newer_state(
    gateway: httpx.AsyncClient, woocommerce: FakeWooCommerce, system: System
) -> None:
    store = await connected_store(gateway, woocommerce)
    soap = await stocked_item(gateway, store, "10")
    order = store.new_order([(soap, 2, "13.00")])
    processing = dict(order)

    first = await send(gateway, store, "order.created", order["id"], delivery_id="d-1")
    redelivered = [
        await send(gateway, store, "order.created", order["id"], delivery_id="d-1")
        for _ in range(3)
    ]
    # the same picture under a new delivery id (WooCommerce resends on a timeout)
    same_picture = await send(gateway, store, "order.updated", order["id"])
    await eventually(
        functools.partial(order_status, gateway, store, order["id"]),
        lambda s: s == "ready_to_ship",
    )
    store.change(order["id"], status="cancelled")
    cancelled = await send(gateway, store, "order.updated", order["id"])
    older = await send(gateway, store, "order.updated", order["id"], payload=processing)

    assert (first, redelivered, same_picture) == ("publish", ["duplicate"] * 3, "nothing")
    assert (cancelled, older) == ("cancel", "stale")
    await eventually(
        functools.partial(order_status, gateway, store, order["id"]),
        lambda s: s == "cancelled",
    )
    await all_handled(system)
    assert await order_status(gateway, store, order["id"]) == "cancelled"
    rows = await json_of(await gateway.get(f"/api/woocommerce/stores/{store.name}/orders"))
    assert [(r["status"], r["outcome"]) for r in rows] == [("cancelled", "ended_after_publish")]


async def test_a_bad_signature_is_refused_and_a_ping_is_answered(
    gateway: httpx.AsyncClient, woocommerce: FakeWooCommerce
) -> None:
    store = await connected_store(gateway, woocommerce)
    order = store.new_order([("ANY", 1, "1.00")])
    body, headers = store.signed_delivery("order.created", order["id"])
    headers["x-wc-webhook-signature"] = headers["x-wc-webhook-signature"][::-1]
    url = f"/webhooks/woocommerce/{store.name}"

    forged = await gateway.post(url, content=body, headers=headers)
    unknown = await gateway.post(
        "/webhooks/woocommerce/no-such-store", content=body, headers=headers
    )
    ping_body = b"webhook_id=7"
    ping = await gateway.post(
        url,
        content=ping_body,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-wc-webhook-signature": sign(ping_body, store.webhook_secret),
        },
    )

    assert (forged.status_code, unknown.status_code) == (401, 401)
    assert ping.status_code == 200 and ping.json() == {"status": "ignored"}


async def test_a_pending_order_is_not_demand_until_it_is_processing(
    gateway: httpx.AsyncClient, woocommerce: FakeWooCommerce, system: System
) -> None:
    store = await connected_store(gateway, woocommerce)
    soap = await stocked_item(gateway, store, "5")
    order = store.new_order([(soap, 1, "6.50")], status="pending")

    assert await send(gateway, store, "order.created", order["id"]) == "nothing"
    store.change(order["id"], status="on-hold")
    assert await send(gateway, store, "order.updated", order["id"]) == "nothing"
    await all_handled(system)
    assert await lotline_orders(gateway, store, order["id"]) == []

    store.change(order["id"], status="processing")
    assert await send(gateway, store, "order.updated", order["id"]) == "publish"
    await eventually(
        functools.partial(order_status, gateway, store, order["id"]),
        lambda s: s == "ready_to_ship",
    )


async def test_shipping_an_order_completes_it_with_one_tracking_note(
    gateway: httpx.AsyncClient, woocommerce: FakeWooCommerce, system: System
) -> None:
    store = await connected_store(gateway, woocommerce)
    soap = await stocked_item(gateway, store, "5")
    order = store.new_order([(soap, 2, "13.00")], currency="CHF")
    await send(gateway, store, "order.created", order["id"])
    found = await eventually(
        functools.partial(lotline_orders, gateway, store, order["id"]),
        lambda o: len(o) == 1 and o[0]["status"] == "ready_to_ship",
    )
    assert found[0]["currency"] == "CHF"
    assert (found[0]["lines"][0]["unit_price"], found[0]["lines"][0]["currency"]) == (
        "6.50",
        "CHF",
    )
    # the first write-back call fails, and is retried
    store.fail_next(1, 503, retry_after=None, path="orders")
    tracking = f"BRT{uuid.uuid4().int % 10**12:012d}"

    await json_of(
        await gateway.post(
            f"/api/orders/{found[0]['id']}/shipments",
            json={"carrier": "manual", "service": "BRT", "tracking_number": tracking},
        )
    )

    await eventually(lambda: _completed(store, order["id"]), lambda done: done, timeout=60)
    await all_handled(system)
    pending = await json_of(
        await gateway.get("/api/write-backs", params={"status": "pending", "limit": 1000})
    )
    assert [w for w in pending if w["order_id"] == found[0]["id"]] == []
    notes = store.notes[order["id"]]
    assert len(notes) == 1 and tracking in notes[0]["note"] and notes[0]["customer_note"]
    assert (
        len([r for r in store.requests_to("PUT", f"/orders/{order['id']}") if r.status == 200]) == 1
    )
    # the store's own order.updated about the completion changes nothing in Lotline
    assert await send(gateway, store, "order.updated", order["id"]) == "nothing"
    assert await order_status(gateway, store, order["id"]) != "cancelled"


async def _completed(store: Store, order_id: int) -> bool:
    return store.orders[order_id]["status"] == "completed" and bool(store.notes.get(order_id))


async def test_stock_is_pushed_to_the_product_and_the_variation_by_sku(
    gateway: httpx.AsyncClient, woocommerce: FakeWooCommerce
) -> None:
    store = await connected_store(gateway, woocommerce)
    simple_sku = f"SOAP-{uuid.uuid4().hex[:6].upper()}"
    variation_sku = f"{simple_sku}-XL"
    simple = store.add_product(simple_sku, stock=None)  # not managing stock yet
    parent = store.add_product(f"{simple_sku}-PARENT", stock=None)
    variation = store.add_product(variation_sku, stock=2, parent=parent["id"])
    await json_of(await gateway.post("/api/items", json={"code": simple_sku, "name": "soap"}))
    for sku in (simple_sku, variation_sku):
        await json_of(
            await gateway.put(
                f"/api/shops/{store.name}/sku-mappings/{sku}", json={"item_code": simple_sku}
            )
        )

    await json_of(
        await gateway.post(
            "/api/lots",
            json={
                "item_code": simple_sku,
                "lot_code": f"{simple_sku}-A",
                "quantity": "7",
                "unit": "pc",
                "expires_on": "2028-06-30",
            },
        )
    )

    await eventually(
        lambda: _stock(store, simple["id"], variation["id"]), lambda s: s == (7, 7), timeout=60
    )
    assert simple["manage_stock"] is True
    put_paths = {r.path for r in store.requests if r.method == "PUT"}
    assert f"/products/{parent['id']}/variations/{variation['id']}" in put_paths


async def _stock(store: Store, *product_ids: int) -> tuple[Any, ...]:
    return tuple(store.products[p]["stock_quantity"] for p in product_ids)
