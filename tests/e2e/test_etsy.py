"""Etsy end to end: the whole system as processes over real Kafka and PostgreSQL, the
connectors talking to the faithful Etsy fake over loopback HTTP."""

from __future__ import annotations

import functools
import random
import re
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ETSY_WEBHOOK_SECRET, System, all_handled, eventually, json_of
from tests.fakes.etsy import FakeEtsy, order_paid, receipt, sign_webhook

pytestmark = pytest.mark.e2e


async def connected_etsy_shop(gateway: httpx.AsyncClient, etsy: FakeEtsy) -> int:
    """Register a shop and walk the OAuth flow the way a seller does: open the authorize
    URL, approve, and be redirected to our callback (through the gateway)."""
    shop_id = random.randint(10**7, 10**8)
    etsy.shop(shop_id)
    await json_of(await gateway.post("/api/etsy/shops", json={"shop_id": str(shop_id)}))
    start = await json_of(await gateway.post(f"/api/etsy/shops/{shop_id}/connect"))
    async with httpx.AsyncClient() as browser:
        consent = await browser.get(start["authorize_url"])
    assert consent.status_code == 302, consent.text
    connected = await json_of(await gateway.get(consent.headers["location"]))
    assert connected["connected"] is True
    return shop_id


async def stocked_item(gateway: httpx.AsyncClient, shop_id: int, quantity: str) -> str:
    code = f"CANDLE-{uuid.uuid4().hex[:6].upper()}"
    await json_of(await gateway.post("/api/items", json={"code": code, "name": code}))
    await json_of(
        await gateway.put(
            f"/api/shops/etsy-{shop_id}/sku-mappings/{code}", json={"item_code": code}
        )
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


def receipt_id() -> int:
    return random.randint(3 * 10**9, 4 * 10**9)


async def etsy_orders(gateway: httpx.AsyncClient, rid: int) -> list[Any]:
    answer = await gateway.get("/api/orders", params={"channel": "etsy", "external_id": str(rid)})
    return list(await json_of(answer))


async def order_status(gateway: httpx.AsyncClient, rid: int) -> Any:
    orders = await etsy_orders(gateway, rid)
    return orders[0] if orders else None


async def poll(gateway: httpx.AsyncClient, shop_id: int) -> Any:
    return await json_of(await gateway.post(f"/api/etsy/shops/{shop_id}/poll"))


async def test_an_etsy_receipt_polled_twice_is_one_order_and_its_shipment_is_written_back_once(
    gateway, system: System, etsy: FakeEtsy
):
    shop_id = await connected_etsy_shop(gateway, etsy)
    candle = await stocked_item(gateway, shop_id, "5")
    rid = receipt_id()
    etsy.add_receipt(shop_id, receipt(rid, [(candle, 2, 1290)], currency="SEK"))

    first, second = await poll(gateway, shop_id), await poll(gateway, shop_id)
    order = await eventually(
        functools.partial(order_status, gateway, rid),
        lambda o: o is not None and o["status"] == "ready_to_ship",
    )

    assert (first["published"], second["published"]) == (1, 0)
    assert len(await etsy_orders(gateway, rid)) == 1
    assert order["channel"] == "etsy" and order["currency"] == "SEK"
    assert (order["lines"][0]["unit_price"], order["lines"][0]["currency"]) == ("12.90", "SEK")

    tracking = f"PN{random.randint(10**9, 10**10)}SE"
    await json_of(
        await gateway.post(
            f"/api/orders/{order['id']}/shipments",
            json={"carrier": "manual", "service": "PostNord", "tracking_number": tracking},
        )
    )

    shipments = await eventually(
        lambda: _shipments(etsy, shop_id, rid), lambda s: len(s) == 1, timeout=60
    )
    assert (shipments[0]["tracking_code"], shipments[0]["carrier_name"]) == (tracking, "postnord")
    await eventually(
        lambda: _timeline(gateway, order["id"]),
        lambda entries: any(e["kind"] == "channel.fulfilled" for e in entries),
    )
    # Nothing else arrives later: every event is handled (a second write-back would be
    # queued by now) and no write-back of the order is left to run.
    await all_handled(system)
    await eventually(
        lambda: _pending_write_backs(gateway, order["id"]), lambda pending: pending == []
    )
    assert len(etsy.shipments(shop_id, rid)) == 1
    created = [r for r in etsy.requests_to("POST", f"/receipts/{rid}/tracking") if r.status == 200]
    assert len(created) == 1


async def _pending_write_backs(gateway: httpx.AsyncClient, order_id: str) -> list[Any]:
    answer = await gateway.get("/api/write-backs", params={"status": "pending", "limit": 1000})
    return [w for w in await json_of(answer) if w["order_id"] == order_id]


async def _timeline(gateway: httpx.AsyncClient, order_id: str) -> Any:
    return await json_of(await gateway.get(f"/api/orders/{order_id}/timeline"))


async def _shipments(etsy: FakeEtsy, shop_id: int, rid: int) -> list[dict[str, Any]]:
    return etsy.shipments(shop_id, rid)


async def test_etsy_receipts_with_empty_or_unknown_skus_are_held_then_released(
    gateway, etsy: FakeEtsy
):
    shop_id = await connected_etsy_shop(gateway, etsy)
    candle = await stocked_item(gateway, shop_id, "4")
    empty, unknown = receipt_id(), receipt_id()
    etsy.add_receipt(shop_id, receipt(empty, [("", 1, 990)]))
    etsy.add_receipt(shop_id, receipt(unknown, [(f"{candle}-NEW", 1, 990)]))

    await poll(gateway, shop_id)

    held = [
        await eventually(
            functools.partial(order_status, gateway, rid),
            lambda o: o is not None and o["status"] == "on_hold",
        )
        for rid in (empty, unknown)
    ]
    # A line without a SKU is named by Etsy's product id: mapping that key releases it.
    assert re.fullmatch(r"unknown_sku: \(empty\) product:\d+", held[0]["hold_reason"])
    assert held[1]["hold_reason"] == f"unknown_sku: {candle}-NEW"
    product_key = held[0]["hold_reason"].split()[-1]

    await json_of(
        await gateway.put(
            f"/api/shops/etsy-{shop_id}/sku-mappings/{product_key}", json={"item_code": candle}
        )
    )
    await json_of(
        await gateway.put(
            f"/api/shops/etsy-{shop_id}/sku-mappings/{candle}-NEW", json={"item_code": candle}
        )
    )

    for rid in (empty, unknown):
        await eventually(
            functools.partial(order_status, gateway, rid),
            lambda o: o is not None and o["status"] == "ready_to_ship",
        )


async def test_an_order_paid_webhook_polls_the_shop_at_once(gateway, etsy: FakeEtsy):
    shop_id = await connected_etsy_shop(gateway, etsy)
    candle = await stocked_item(gateway, shop_id, "3")
    rid = receipt_id()
    etsy.add_receipt(shop_id, receipt(rid, [(candle, 1, 1500)]))
    body = order_paid(shop_id, rid)
    now = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": f"msg_{uuid.uuid4().hex}",
        "webhook-timestamp": str(now),
        "webhook-signature": sign_webhook(
            body, secret=ETSY_WEBHOOK_SECRET, webhook_id="forged", timestamp=now
        ),
    }

    forged = await gateway.post("/webhooks/etsy", content=body, headers=headers)
    headers["webhook-signature"] = sign_webhook(
        body, secret=ETSY_WEBHOOK_SECRET, webhook_id=headers["webhook-id"], timestamp=now
    )
    accepted = await gateway.post("/webhooks/etsy", content=body, headers=headers)

    assert forged.status_code == 401
    assert accepted.status_code == 200 and accepted.json() == {"status": "poll_requested"}
    order = await eventually(
        functools.partial(order_status, gateway, rid),
        lambda o: o is not None and o["status"] == "ready_to_ship",
        timeout=30,
    )
    assert order["channel"] == "etsy"
    shop = await json_of(await gateway.get(f"/api/etsy/shops/{shop_id}"))
    assert shop["last_polled_at"] is not None and shop["last_poll_error"] is None
