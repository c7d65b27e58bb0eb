"""SIGKILL the inventory service while orders flow: every order still ends reserved or
short exactly once — no lost order, no double reservation."""

from __future__ import annotations

import asyncio
import os
import random
from decimal import Decimal

import pytest

from tests.e2e import shopify
from tests.e2e.conftest import json_of
from tests.e2e.test_skeleton_flow import new_item, new_shop, settled_order

pytestmark = pytest.mark.e2e

ORDERS = 40
STOCK = 60


async def test_killing_inventory_mid_flow_loses_and_doubles_nothing(gateway, system):
    seed = int(os.environ.get("LOTLINE_CRASH_SEED", random.randrange(2**32)))
    print(f"crash test seed: {seed}")
    rng = random.Random(seed)
    shop = await new_shop(gateway)
    soap = await new_item(
        gateway, shop, ("25", "2027-03-31"), ("20", "2027-06-30"), ("15", "2027-09-30")
    )
    bodies = [shopify.order_body([(soap, rng.randint(1, 3))]) for _ in range(ORDERS)]
    kill_after = rng.randint(5, 15)

    async def post_all() -> None:
        for i, body in enumerate(bodies):
            answer = await shopify.post(
                gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret)
            )
            assert answer.status_code == 200, answer.text
            if i == kill_after:
                system.kill("inventory")
            await asyncio.sleep(rng.uniform(0.01, 0.08))

    await post_all()
    system.start("inventory")
    await system.wait_ready("inventory")

    orders = [await settled_order(gateway, body, timeout=90) for body in bodies]

    requested = sum(Decimal(line["quantity"]) for o in orders for line in o["lines"])
    reserved_in_orders = sum(Decimal(r["quantity"]) for o in orders for r in o["reservations"])
    lots = await json_of(await gateway.get("/api/lots", params={"item_code": soap}))
    reserved_in_lots = sum(Decimal(lot["reserved"]) for lot in lots)
    assert all(Decimal(lot["reserved"]) <= Decimal(lot["on_hand"]) for lot in lots)
    assert reserved_in_lots == reserved_in_orders == min(requested, Decimal(STOCK))
    for order in orders:
        moves = [h["status"] for h in order["history"]]
        assert moves == ["received", order["status"]], (order["id"], moves)
        booked = await json_of(
            await gateway.get("/api/reservations", params={"order_id": order["id"]})
        )
        assert sorted((r["lot_code"], r["quantity"]) for r in booked) == sorted(
            (r["lot_code"], r["quantity"]) for r in order["reservations"]
        )
    assert sum(o["status"] == "ready_to_ship" for o in orders) >= 1
