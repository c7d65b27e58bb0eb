"""Promise terms over the real system: a shop with its own handling and an order's carrier
service with its own transit — the quote for that shop and service and the real order of
that shop agree, and both beat the default terms; the production order shows the slot on
its line that the quote showed."""

from __future__ import annotations

import functools
import json
import uuid
from datetime import date
from typing import Any

import pytest

from tests.e2e import shopify
from tests.e2e.bakery import biscuits_on_an_oven
from tests.e2e.conftest import EXPRESS_SHOP, eventually, json_of
from tests.e2e.test_make_to_order import order_status
from tests.e2e.test_skeleton_flow import external_id_of

pytestmark = pytest.mark.e2e


async def test_a_quote_and_an_order_agree_under_a_shop_with_its_own_handling_and_transit(gateway):
    flour, _, biscuits, line = await biscuits_on_an_oven(gateway)
    wanted = [{"item_code": biscuits, "quantity": "10", "unit": "pc"}]

    async def quote(**terms: str) -> Any:
        return await json_of(await gateway.post("/api/quotes", json={"lines": wanted, **terms}))

    default = await eventually(quote, lambda q: flour in q["dominant"], timeout=30)
    express = await quote(channel="shopify", shop=EXPRESS_SHOP, carrier_service="Express")
    [default_line], [express_line] = default["lines"], express["lines"]
    steps = {t["kind"]: t["days"] for t in express_line["breakdown"]}
    assert (steps["handling"], steps["transit"]) == (0, 1)
    assert {t["kind"]: t["days"] for t in default_line["breakdown"]}["transit"] == 2
    assert date.fromisoformat(express["promised_on"]) < date.fromisoformat(default["promised_on"])

    shops = await json_of(await gateway.get("/api/shops"))
    if EXPRESS_SHOP not in {s["domain"] for s in shops}:
        await json_of(
            await gateway.post(
                "/api/shops", json={"domain": EXPRESS_SHOP, "webhook_secret": "express-secret"}
            )
        )
    await json_of(
        await gateway.put(
            f"/api/shops/{EXPRESS_SHOP}/sku-mappings/{biscuits}", json={"item_code": biscuits}
        )
    )
    order = json.loads(shopify.order_body([(biscuits, 10)]))
    order["shipping_lines"] = [
        {"id": 1, "code": "Express", "title": "Express 24h", "price": "9.00", "source": "shopify"}
    ]
    body = json.dumps(order, separators=(",", ":")).encode()
    await shopify.post(
        gateway,
        body,
        shopify.headers(
            body, shop=EXPRESS_SHOP, secret="express-secret", webhook_id=uuid.uuid4().hex
        ),
    )

    placed = await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: o is not None and o["promised_on"] is not None,
    )
    assert placed["promised_on"] == express["promised_on"]  # the quote told the truth
    [link] = placed["production_orders"]
    made = await json_of(await gateway.get(f"/api/production-orders/{link['production_order_id']}"))
    assert made["slot"] == express_line["slot"]
    assert made["slot"]["line"] == line and sum(made["slot"]["minutes_by_day"].values()) == 90
