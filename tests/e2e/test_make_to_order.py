"""Make-to-order over the real broker and databases: a Shopify order that stock cannot
cover becomes production through two recipe levels, waits for a missing ingredient,
is unblocked by a goods receipt, and ends ready to ship from two lots."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e import shopify
from tests.e2e.conftest import eventually, json_of
from tests.e2e.test_skeleton_flow import external_id_of, new_shop, order_by_external_id

pytestmark = pytest.mark.e2e


async def post_until_accepted(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
    """Recipes need production's item read model to have caught up: retry a 422 briefly."""

    async def attempt() -> httpx.Response:
        return await client.post(path, json=body)

    answer = await eventually(attempt, lambda a: a.status_code != 422, timeout=30)
    return await json_of(answer)


async def order_status(client: httpx.AsyncClient, external_id: str) -> Any:
    orders = await order_by_external_id(client, external_id)
    return orders[0] if orders else None


def has_status(*wanted: str) -> Any:
    return lambda order: order is not None and order["status"] in wanted


async def production_order(client: httpx.AsyncClient, po_id: str) -> Any:
    return await json_of(await client.get(f"/api/production-orders/{po_id}"))


async def test_an_order_beyond_stock_is_produced_through_two_levels_and_ships_from_two_lots(
    gateway,
):
    tag = uuid.uuid4().hex[:5].upper()
    flour, butter, dough = f"FLOUR-{tag}", f"BUTTER-{tag}", f"DOUGH-{tag}"
    jar, biscuits = f"JAR-{tag}", f"BISCUIT-JAR-{tag}"
    catalogue: list[tuple[str, str, str, dict[str, Any]]] = [
        (flour, "raw_material", "kg", {"supplier": "Mulino Rossi", "lead_time_days": 10}),
        (butter, "raw_material", "kg", {"supplier": "Latteria Sole", "lead_time_days": 3}),
        (dough, "intermediate", "kg", {"shelf_life_days": 3}),
        (jar, "packaging", "pc", {"supplier": "Vetri Nord", "lead_time_days": 15}),
        (biscuits, "finished_good", "pc", {"shelf_life_days": 180}),
    ]
    for code, kind, unit, extra in catalogue:
        await json_of(
            await gateway.post(
                "/api/items",
                json={
                    "code": code,
                    "name": code.title(),
                    "kind": kind,
                    "base_unit": unit,
                    **extra,
                },
            )
        )
    for code, qty, unit in [(butter, "10", "kg"), (jar, "100", "pc")]:
        await json_of(
            await gateway.post(
                "/api/receipts",
                json={
                    "item_code": code,
                    "quantity": qty,
                    "unit": unit,
                    "supplier": "S",
                    "supplier_lot_code": f"S-{code}",
                    "expires_on": "2027-06-30",
                },
            )
        )
    await json_of(
        await gateway.post(
            "/api/lots",
            json={
                "item_code": biscuits,
                "lot_code": f"{biscuits}-OLD",
                "quantity": "3",
                "unit": "pc",
                "expires_on": "2027-03-31",
            },
        )
    )
    await post_until_accepted(
        gateway,
        "/api/recipes",
        {
            "item_code": dough,
            "batch_size": "10",
            "unit": "kg",
            "expected_yield": "1",
            "whole_batches": False,
            "duration_minutes": 60,
            "lines": [
                {"item_code": flour, "quantity": "6", "unit": "kg"},
                {"item_code": butter, "quantity": "4000", "unit": "g"},
            ],
        },
    )
    await post_until_accepted(
        gateway,
        "/api/recipes",
        {
            "item_code": biscuits,
            "batch_size": "5",
            "unit": "pc",
            "expected_yield": "1",
            "whole_batches": True,
            "duration_minutes": 90,
            "lines": [
                {"item_code": dough, "quantity": "500", "unit": "g"},
                {"item_code": jar, "quantity": "5", "unit": "pc"},
            ],
        },
    )
    shop = await new_shop(gateway)
    await json_of(
        await gateway.put(
            f"/api/shops/{shop.domain}/sku-mappings/{biscuits}", json={"item_code": biscuits}
        )
    )
    body = shopify.order_body([(biscuits, 10)])
    external_id = external_id_of(body)

    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))

    order = await eventually(
        functools.partial(order_status, gateway, external_id), has_status("awaiting_materials")
    )
    assert [(r["lot_code"], r["quantity"]) for r in order["reservations"]] == [
        (f"{biscuits}-OLD", "3")
    ]
    assert [(s["item_code"], s["missing"]) for s in order["shortages"]] == [(biscuits, "7")]
    [link] = order["production_orders"]
    assert (link["quantity"], link["status"]) == ("7", "blocked_on_materials")
    assert [s["item_code"] for s in link["material_shortages"]] == [dough]
    parent = await production_order(gateway, link["production_order_id"])
    assert (parent["quantity"], parent["recipe_version"]) == ("10", 1)  # two whole batches
    [child_id] = [c["id"] if isinstance(c, dict) else c for c in parent["children"]]
    child = await eventually(
        functools.partial(production_order, gateway, str(child_id)),
        lambda po: po["status"] == "blocked_on_materials",
    )
    assert [
        (s["item_code"], s["missing"]["value"], s["lead_time_days"]) for s in child["shortages"]
    ] == [(flour, "0.6", 10)]

    # The order names the flour two levels down, its kilograms and when it comes.
    # First the biscuit batch's own explosion names the flour; once the dough batch is
    # planned and answered, the flour is the dough batch's to wait for.
    order = await eventually(
        functools.partial(order_status, gateway, external_id),
        lambda o: (
            [m["production_order_id"] for m in o["missing_materials"] or []] == [str(child_id)]
        ),
    )
    [missing] = order["missing_materials"]
    assert (missing["item_code"], missing["missing"], missing["unit"]) == (flour, "0.6", "kg")
    assert (missing["lead_time_days"], missing["production_order_id"]) == (10, str(child_id))
    assert missing["expected_on"] is None and missing["arrives_on"] is not None
    due = datetime.now(UTC).date() + timedelta(days=4)
    await json_of(
        await gateway.post(
            "/api/purchase-orders",
            json={"item_code": flour, "quantity": "5", "unit": "kg", "expected_on": str(due)},
        )
    )
    order = await eventually(
        functools.partial(order_status, gateway, external_id),
        lambda o: [m["expected_on"] for m in o["missing_materials"]] == [str(due)],
    )
    assert order["status"] == "awaiting_materials"

    receipt = await json_of(
        await gateway.post(
            "/api/receipts",
            json={
                "item_code": flour,
                "quantity": "5000",
                "unit": "g",
                "supplier": "Mulino Rossi",
                "supplier_lot_code": "MR-2611",
                "expires_on": "2027-02-28",
            },
        )
    )
    assert (receipt["quantity"], receipt["unit"]) == ("5", "kg")

    await eventually(
        functools.partial(production_order, gateway, str(child_id)),
        lambda po: po["status"] == "materials_reserved",
    )
    # Nothing is missing at any level now: the order waits for production, not materials,
    # although its own batch still waits for the dough being made.
    order = await eventually(
        functools.partial(order_status, gateway, external_id), has_status("awaiting_production")
    )
    assert order["missing_materials"] == []
    assert order["history"][-1]["reason"] == "every material is in; waiting for production"
    parent = await production_order(gateway, link["production_order_id"])
    assert parent["status"] == "blocked_on_materials"
    await json_of(await gateway.post(f"/api/production-orders/{child_id}/start"))
    await json_of(
        await gateway.post(
            f"/api/production-orders/{child_id}/complete", json={"output_quantity": "1"}
        )
    )
    order = await eventually(
        functools.partial(order_status, gateway, external_id), has_status("materials_reserved")
    )
    parent_id = link["production_order_id"]
    await json_of(await gateway.post(f"/api/production-orders/{parent_id}/start"))
    await eventually(
        functools.partial(order_status, gateway, external_id), has_status("in_production")
    )
    await json_of(
        await gateway.post(
            f"/api/production-orders/{parent_id}/complete", json={"output_quantity": "10"}
        )
    )

    order = await eventually(
        functools.partial(order_status, gateway, external_id), has_status("ready_to_ship")
    )
    parent = await production_order(gateway, parent_id)
    output_lot = parent["output_lot_code"]
    assert sorted((r["lot_code"], r["quantity"]) for r in order["reservations"]) == sorted(
        [(f"{biscuits}-OLD", "3"), (output_lot, "7")]
    )
    lots = {
        x["lot_code"]: x
        for x in await json_of(await gateway.get("/api/lots", params={"item_code": biscuits}))
    }
    assert (lots[output_lot]["on_hand"], lots[output_lot]["reserved"]) == ("10", "7")
    [flour_lot] = await json_of(await gateway.get("/api/lots", params={"item_code": flour}))
    assert (Decimal(flour_lot["on_hand"]), flour_lot["reserved"]) == (Decimal("4.4"), "0")
    [dough_lot] = await json_of(await gateway.get("/api/lots", params={"item_code": dough}))
    assert (dough_lot["on_hand"], dough_lot["reserved"]) == ("0", "0")  # 1 kg made, 1 kg used
    assert await json_of(await gateway.get("/api/ledger/mismatches")) == []
    history = [h["status"] for h in order["history"]]
    assert history[0] == "received" and history[-1] == "ready_to_ship"
    assert {
        "awaiting_materials",
        "awaiting_production",
        "materials_reserved",
        "in_production",
    } <= set(history)
