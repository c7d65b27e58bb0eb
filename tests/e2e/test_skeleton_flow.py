"""A Shopify order through all four services, over the real broker and databases."""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.contracts import topics
from tests.e2e import shopify
from tests.e2e.conftest import System, all_handled, eventually, json_of

pytestmark = pytest.mark.e2e


class Shop:
    def __init__(self, domain: str, secret: str) -> None:
        self.domain, self.secret = domain, secret


async def new_shop(gateway: httpx.AsyncClient) -> Shop:
    shop = Shop(f"e2e-{uuid.uuid4().hex[:8]}.myshopify.com", uuid.uuid4().hex)
    await json_of(
        await gateway.post(
            "/api/shops", json={"domain": shop.domain, "webhook_secret": shop.secret}
        )
    )
    return shop


async def new_item(gateway: httpx.AsyncClient, shop: Shop, *lots: tuple[str, str]) -> str:
    """An item (its SKU mapped to itself in ``shop``) with lots of (quantity, expiry)."""
    code = f"SOAP-{uuid.uuid4().hex[:8].upper()}"
    await json_of(await gateway.post("/api/items", json={"code": code, "name": "Soap"}))
    await json_of(
        await gateway.put(f"/api/shops/{shop.domain}/sku-mappings/{code}", json={"item_code": code})
    )
    for i, (qty, expires) in enumerate(lots):
        await json_of(
            await gateway.post(
                "/api/lots",
                json={
                    "item_code": code,
                    "lot_code": f"{code}-{i}",
                    "quantity": qty,
                    "unit": "pc",
                    "expires_on": expires,
                },
            )
        )
    return code


async def order_by_external_id(gateway: httpx.AsyncClient, external_id: str) -> list[Any]:
    answer = await gateway.get(
        "/api/orders", params={"channel": "shopify", "external_id": external_id}
    )
    return list(await json_of(answer))


def settled(orders: list[Any]) -> bool:
    return len(orders) == 1 and orders[0]["status"] in {"ready_to_ship", "awaiting_production"}


def external_id_of(body: bytes) -> str:
    return str(json.loads(body)["id"])


async def settled_order(gateway: httpx.AsyncClient, body: bytes, timeout: float = 60) -> Any:
    """The order made from webhook ``body``, once it reached reserved or short."""
    orders = await eventually(
        functools.partial(order_by_external_id, gateway, external_id_of(body)),
        settled,
        timeout=timeout,
    )
    return orders[0]


async def test_a_signed_webhook_becomes_a_reserved_ready_to_ship_order(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("10", "2027-06-30"), ("5", "2027-03-31"))
    body = shopify.order_body([(soap, 7)])

    answer = await shopify.post(
        gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret)
    )

    assert answer.status_code == 200 and answer.json() == {"status": "accepted"}
    [order] = await eventually(lambda: order_by_external_id(gateway, external_id_of(body)), settled)
    assert order["status"] == "ready_to_ship"
    assert order["customer"]["name"] == "Anna Rossi"
    assert [(r["lot_code"], r["quantity"]) for r in order["reservations"]] == [
        (f"{soap}-1", "5"),
        (f"{soap}-0", "2"),  # FEFO: the March lot first
    ]
    same = await json_of(await gateway.get(f"/api/orders/{order['id']}"))
    assert same["id"] == order["id"]
    spec = await json_of(await gateway.get("/openapi.json"))
    assert "/api/orders/{order_id}" in spec["paths"] and "/webhooks/shopify" in spec["paths"]


async def test_a_short_order_awaits_production_with_a_linked_production_order(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("2", "2027-06-30"))
    body = shopify.order_body([(soap, 5)])

    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))

    [order] = await eventually(
        lambda: order_by_external_id(gateway, external_id_of(body)),
        lambda os: settled(os) and bool(os[0]["production_orders"]),
    )
    assert order["status"] == "awaiting_production"
    assert [(s["item_code"], s["missing"]) for s in order["shortages"]] == [(soap, "3")]
    [link] = order["production_orders"]
    [production] = await json_of(
        await gateway.get("/api/production-orders", params={"order_id": order["id"]})
    )
    assert production["id"] == link["production_order_id"]
    assert (production["item_code"], production["quantity"], production["status"]) == (
        soap,
        "3",
        "planned",
    )


async def test_the_same_webhook_five_times_at_once_makes_one_order(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("20", "2027-06-30"))
    body = shopify.order_body([(soap, 2)])
    hdrs = shopify.headers(body, shop=shop.domain, secret=shop.secret)

    answers = await asyncio.gather(*(shopify.post(gateway, body, hdrs) for _ in range(5)))

    assert [a.status_code for a in answers] == [200] * 5
    assert sorted(a.json()["status"] for a in answers) == ["accepted"] + ["duplicate"] * 4
    [order] = await eventually(lambda: order_by_external_id(gateway, external_id_of(body)), settled)
    assert order["status"] == "ready_to_ship"
    lots = await json_of(await gateway.get("/api/lots", params={"item_code": soap}))
    assert [lot["reserved"] for lot in lots] == ["2"]


async def pending_deliveries(gateway: httpx.AsyncClient, shop: Shop) -> list[Any]:
    answer = await gateway.get("/api/webhook-deliveries", params={"status": "pending"})
    return [d for d in await json_of(answer) if d["shop_domain"] == shop.domain]


async def all_deliveries_handled(gateway: httpx.AsyncClient, system: System, shop: Shop) -> None:
    """Every webhook ``shop`` sent was taken from the inbox, and what it caused (events on
    every topic, in every consumer) was handled: a wrong extra order or reservation would
    be there by now."""
    await eventually(functools.partial(pending_deliveries, gateway, shop), lambda ds: ds == [])
    await all_handled(system)


async def test_a_redelivery_with_a_new_webhook_id_still_makes_one_order(gateway, system):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("20", "2027-06-30"))
    body = shopify.order_body([(soap, 3)])

    for _ in range(3):
        answer = await shopify.post(
            gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret)
        )
        assert answer.status_code == 200

    await eventually(lambda: order_by_external_id(gateway, external_id_of(body)), settled)
    await all_deliveries_handled(gateway, system, shop)
    assert len(await order_by_external_id(gateway, external_id_of(body))) == 1
    lots = await json_of(await gateway.get("/api/lots", params={"item_code": soap}))
    assert [lot["reserved"] for lot in lots] == ["3"]


async def end_offsets(system: System, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=system.settings.kafka.bootstrap_servers)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(system.settings.kafka.partitions)]
        offsets = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return sum(offsets.values())


async def test_a_bad_signature_or_malformed_body_is_refused_and_publishes_nothing(gateway, system):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("5", "2027-06-30"))
    body = shopify.order_body([(soap, 1)])
    inbound_topic = system.settings.kafka.topic(topics.INBOUND_ORDERS)
    before = await end_offsets(system, inbound_topic)

    forged = await shopify.post(
        gateway, body, shopify.headers(body, shop=shop.domain, secret="not-the-secret")
    )
    tampered = await shopify.post(
        gateway,
        body.replace(b'"quantity":1', b'"quantity":9'),
        shopify.headers(body, shop=shop.domain, secret=shop.secret),
    )
    unknown_shop = await shopify.post(
        gateway, body, shopify.headers(body, shop="nobody.myshopify.com", secret=shop.secret)
    )
    malformed = b'{"id": 12, "line_items": ['
    broken = await shopify.post(
        gateway, malformed, shopify.headers(malformed, shop=shop.domain, secret=shop.secret)
    )

    assert [forged.status_code, tampered.status_code, unknown_shop.status_code] == [401] * 3
    assert broken.status_code == 400 and "malformed JSON" in broken.json()["detail"]
    await all_deliveries_handled(gateway, system, shop)
    assert await end_offsets(system, inbound_topic) == before
    assert await order_by_external_id(gateway, external_id_of(body)) == []
    # the signed one is kept, dead with its reason, for an operator to see and replay
    dead = await gateway.get("/api/webhook-deliveries", params={"status": "dead"})
    kept = [d for d in dead.json() if d["shop_domain"] == shop.domain]
    assert [(d["outcome"], d["last_error"][:22]) for d in kept] == [
        ("refused", "refused 400: malformed")
    ]


async def test_two_orders_racing_for_the_last_units_never_over_reserve(gateway):
    shop = await new_shop(gateway)
    soap = await new_item(gateway, shop, ("5", "2027-06-30"))
    bodies = [shopify.order_body([(soap, 3)]) for _ in range(2)]

    await asyncio.gather(
        *(
            shopify.post(gateway, b, shopify.headers(b, shop=shop.domain, secret=shop.secret))
            for b in bodies
        )
    )

    orders = [await settled_order(gateway, b) for b in bodies]
    assert sorted(o["status"] for o in orders) == ["awaiting_production", "ready_to_ship"]
    [lot] = await json_of(await gateway.get("/api/lots", params={"item_code": soap}))
    assert Decimal(lot["reserved"]) == Decimal(lot["on_hand"]) == Decimal(5)
    reserved_by_orders = sum(Decimal(r["quantity"]) for o in orders for r in o["reservations"])
    assert reserved_by_orders == Decimal(5)
