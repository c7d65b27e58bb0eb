"""Make-to-stock over the real system: customer orders taking stock under the reorder point
raise exactly one suggestion; accepting it plans a production order in whole batches, whose
materials take the jars under theirs; accepting that one places a purchase order."""

from __future__ import annotations

import asyncio
import functools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from services.cli.main import app
from tests.e2e import shopify
from tests.e2e.bakery import new_bakery
from tests.e2e.conftest import System, eventually, json_of
from tests.e2e.test_make_to_order import order_status, post_until_accepted
from tests.e2e.test_skeleton_flow import external_id_of, new_shop

pytestmark = pytest.mark.e2e


async def suggestions_for(client: httpx.AsyncClient, item_code: str) -> list[dict[str, Any]]:
    found = await json_of(await client.get("/api/suggestions"))
    return [s for s in found if s["item_code"] == item_code]


async def cli(system: System, *args: str) -> str:
    """The ``lotline`` command, talking to this system's gateway; its output."""
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["--gateway-url", system.gateway, "--api-key", system.api_key, *args],
    )
    assert result.exit_code == 0, result.output
    return result.output


async def test_crossing_the_reorder_point_raises_one_suggestion_and_accepting_it_replenishes(
    gateway, system: System
):
    flour, jar, biscuits, line = await new_bakery(gateway)
    for code, quantity, unit in [(flour, "50", "kg"), (jar, "100", "pc")]:
        await json_of(
            await gateway.post(
                "/api/receipts",
                json={
                    "item_code": code,
                    "quantity": quantity,
                    "unit": unit,
                    "supplier": "S",
                    "supplier_lot_code": f"S-{code}",
                },
            )
        )
    await json_of(
        await gateway.post(
            "/api/lots",
            json={
                "item_code": biscuits,
                "lot_code": f"{biscuits}-A",
                "quantity": "30",
                "unit": "pc",
            },
        )
    )
    await json_of(await gateway.post("/api/lines", json={"code": line, "name": "Oven"}))
    await post_until_accepted(
        gateway,
        "/api/recipes",
        {
            "item_code": biscuits,
            "batch_size": "10",
            "unit": "pc",
            "line_code": line,
            "minutes_per_batch": 60,
            "lines": [
                {"item_code": flour, "quantity": "2", "unit": "kg"},
                {"item_code": jar, "quantity": "10", "unit": "pc"},
            ],
        },
    )
    rule = await json_of(
        await gateway.put(
            f"/api/reorder-points/{biscuits}",
            json={"reorder_point": "20", "target": "50", "unit": "pc"},
        )
    )
    assert (rule["available"], rule["days_of_cover"]) == ("30", None)
    await json_of(
        await gateway.put(
            f"/api/reorder-points/{jar}",
            json={"reorder_point": "70", "target": "150", "unit": "pc", "pack_size": "50"},
        )
    )
    assert await suggestions_for(gateway, biscuits) == []  # 30 available, not under 20

    shop = await new_shop(gateway)
    await json_of(
        await gateway.put(
            f"/api/shops/{shop.domain}/sku-mappings/{biscuits}", json={"item_code": biscuits}
        )
    )
    for ordered in (15, 5):  # available 30 → 15 (under 20) → 10 (still one suggestion)
        body = shopify.order_body([(biscuits, ordered)])
        await shopify.post(
            gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret)
        )
        await eventually(
            functools.partial(order_status, gateway, external_id_of(body)),
            lambda o: o is not None and o["status"] == "ready_to_ship",
        )
    [suggestion] = await suggestions_for(gateway, biscuits)
    assert (suggestion["kind"], suggestion["status"], suggestion["quantity"]) == (
        "production",
        "open",
        "35",  # up to the target from 15 available when it was raised
    )
    assert suggestion["available"] == "15"

    accepted = await json_of(await gateway.post(f"/api/suggestions/{suggestion['id']}/accept"))
    assert accepted["status"] == "accepted"
    again = await gateway.post(f"/api/suggestions/{suggestion['id']}/accept")
    assert again.status_code == 409

    async def production_order() -> httpx.Response:
        answer: httpx.Response = await gateway.get(
            f"/api/production-orders/{accepted['reference']}"
        )
        return answer

    made = await eventually(
        production_order,
        lambda a: a.status_code == 200 and a.json()["status"] == "materials_reserved",
    )
    assert (made.json()["quantity"], made.json()["demands"]) == ("40", [])  # four batches

    # Its materials took 40 jars: 60 available, under 70 → one purchase suggestion.
    [jars] = await eventually(
        functools.partial(suggestions_for, gateway, jar), lambda found: len(found) == 1
    )
    assert (jars["kind"], jars["quantity"], jars["available"]) == ("purchase", "100", "60")
    bought = await json_of(await gateway.post(f"/api/suggestions/{jars['id']}/accept"))
    purchase = await json_of(await gateway.get(f"/api/purchase-orders/{bought['reference']}"))
    assert (purchase["item_code"], purchase["quantity"], purchase["supplier"]) == (
        jar,
        "100",
        "Vetri Nord",
    )
    assert purchase["status"] == "open"

    # The same through the CLI: rules, suggestions, purchase orders, a quote, a breakdown.
    rules = json.loads(await cli(system, "reorder", "list", "--json"))
    assert {biscuits, jar} <= {r["item_code"] for r in rules}
    accepted_now = await cli(system, "suggestion", "list", "--status", "accepted", "--json")
    assert {biscuits, jar} <= {s["item_code"] for s in json.loads(accepted_now)}
    [listed] = json.loads(await cli(system, "purchase", "list", "--item", jar, "--json"))
    assert (listed["id"], listed["supplier"]) == (purchase["id"], "Vetri Nord")
    assert "promised on" in await cli(system, "quote", f"{biscuits}=5pc")
    day = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    await cli(system, "line", "capacity", line, day, "--minutes", "0")
    calendar = await json_of(
        await gateway.get(f"/api/lines/{line}/calendar", params={"from": day, "to": day})
    )
    assert calendar["days"][0]["minutes"] == 0
