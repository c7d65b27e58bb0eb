"""Cost of goods through the real services: the hand-computed bakery of
tests/unit/inventory/test_costing_rules.py, made for a real Shopify order.

Flour lot A (10 kg for 8.00 EUR, expires first) and lot B (10 kg for 12.00 EUR); dough is
made in whole batches of 12 kg from 12 kg of flour on a mixer at 0.50 EUR/min, so its batch
holds all of A and 2 kg of B (FEFO); it runs 30 min and yields 10 kg, not 12: 25.40 EUR over
10 kg = 2.54 EUR/kg. Biscuits are made 120 a batch from 10 kg of dough on an oven at 0.25
EUR/min; the batch runs 40 min and yields 112: 35.40 / 112 = 0.316071 EUR each. The order's
7 biscuits cost 7 × 0.316071 = 2.212497 → 2.21 EUR; at 9.90 each the revenue is 69.30,
the margin 67.09 (96.81 %). Then flour A's invoice is corrected (10.00, not 8.00) and the
dough's run time (45 min, not 30): each re-costs the lots made from it and the order."""

from __future__ import annotations

import asyncio
import functools
import uuid
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from services.cli.main import app
from tests.e2e import shopify
from tests.e2e.conftest import System, eventually, json_of
from tests.e2e.test_make_to_order import (
    has_status,
    order_status,
    post_until_accepted,
    production_order,
)
from tests.e2e.test_skeleton_flow import external_id_of, new_shop

pytestmark = pytest.mark.e2e


async def cli(system: System, *args: str) -> str:
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["--gateway-url", system.gateway, "--api-key", system.api_key, *args],
    )
    assert result.exit_code == 0, result.output
    return result.output


async def test_a_three_level_order_costs_its_lots_to_the_cent(
    gateway: httpx.AsyncClient, system: System
):
    tag = uuid.uuid4().hex[:5].upper()
    flour, dough, biscuits = f"FLOUR-{tag}", f"DOUGH-{tag}", f"BISCUIT-{tag}"
    mixer, oven = f"MIX-{tag}", f"OVEN-{tag}"
    catalogue: list[tuple[str, str, str, dict[str, Any]]] = [
        (flour, "raw_material", "kg", {"supplier": "Mulino Rossi", "lead_time_days": 10}),
        (dough, "intermediate", "kg", {"shelf_life_days": 3}),
        (biscuits, "finished_good", "pc", {"shelf_life_days": 180}),
    ]
    for code, kind, unit, extra in catalogue:
        await json_of(
            await gateway.post(
                "/api/items",
                json={"code": code, "name": code, "kind": kind, "base_unit": unit, **extra},
            )
        )
    lots = []
    for quantity, price, expires in (
        ("10", "8.00", "2027-02-28"),
        ("10000", "12.00", "2027-06-30"),
    ):
        receipt = await json_of(
            await gateway.post(
                "/api/receipts",
                json={
                    "item_code": flour,
                    "quantity": quantity,
                    "unit": "kg" if quantity == "10" else "g",
                    "supplier": "Mulino Rossi",
                    "supplier_lot_code": f"MR-{expires}",
                    "expires_on": expires,
                    "cost": {"amount": price, "currency": "EUR"},
                },
            )
        )
        lots.append(receipt["lot_code"])
    flour_a, flour_b = lots
    await cli(system, "line", "add", mixer, "--name", "Mixer", "--cost-per-minute", "0.50")
    await cli(system, "line", "add", oven, "--name", "Oven", "--cost-per-minute", "0.25")
    for recipe in (
        {
            "item_code": dough,
            "batch_size": "12",
            "unit": "kg",
            "whole_batches": True,
            "duration_minutes": 30,
            "line_code": mixer,
            "lines": [{"item_code": flour, "quantity": "12", "unit": "kg"}],
        },
        {
            "item_code": biscuits,
            "batch_size": "120",
            "unit": "pc",
            "whole_batches": True,
            "duration_minutes": 40,
            "line_code": oven,
            "lines": [{"item_code": dough, "quantity": "10", "unit": "kg"}],
        },
    ):
        await post_until_accepted(gateway, "/api/recipes", recipe)
    shop = await new_shop(gateway)
    await json_of(
        await gateway.put(
            f"/api/shops/{shop.domain}/sku-mappings/{biscuits}", json={"item_code": biscuits}
        )
    )
    body = shopify.order_body([(biscuits, 7)])
    external_id = external_id_of(body)
    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))

    order = await eventually(
        functools.partial(order_status, gateway, external_id),
        lambda o: o is not None and bool(o["production_orders"]),
    )
    [link] = order["production_orders"]
    # The dough batch is planned once inventory says the biscuit batch lacks dough: wait for it.
    parent = await eventually(
        functools.partial(production_order, gateway, link["production_order_id"]),
        lambda po: len(po["children"]) == 1,
    )
    [child_id] = [c["id"] if isinstance(c, dict) else c for c in parent["children"]]
    child = await eventually(
        functools.partial(production_order, gateway, str(child_id)),
        lambda po: po["status"] == "materials_reserved",
    )
    assert child["quantity"] == "12"
    await json_of(await gateway.post(f"/api/production-orders/{child_id}/start"))
    await cli(system, "production", "complete", str(child_id), "--output", "10", "--minutes", "30")
    [dough_lot] = await eventually(lambda: _lots(gateway, dough), lambda found: len(found) == 1)
    consumed = {x["lot_code"]: x["on_hand"] for x in await _lots(gateway, flour)}
    assert consumed == {flour_a: "0", flour_b: "8"}  # FEFO: all of A, 2 kg of B

    parent_id = link["production_order_id"]
    await eventually(
        functools.partial(production_order, gateway, parent_id),
        lambda po: po["status"] == "materials_reserved",
    )
    await json_of(await gateway.post(f"/api/production-orders/{parent_id}/start"))
    await json_of(
        await gateway.post(
            f"/api/production-orders/{parent_id}/complete",
            json={"output_quantity": "112", "run_minutes": 40},
        )
    )
    order = await eventually(
        functools.partial(order_status, gateway, external_id), has_status("ready_to_ship")
    )

    async def cost() -> Any:
        return await json_of(await gateway.get(f"/api/orders/{order['id']}/cost"))

    costed = await eventually(cost, lambda c: c["cost"] is not None)
    [line] = costed["lines"]
    [lot] = line["lots"]
    assert (lot["quantity"], lot["unit_cost"], line["cost"]) == ("7", "0.316071", "2.212497")
    assert (costed["cost"], costed["revenue"], costed["margin"], costed["margin_percent"]) == (
        "2.21",
        "69.30",
        "67.09",
        "96.81",
    )
    [dough_now] = await _lots(gateway, dough)
    assert (dough_now["lot_code"], dough_now["unit_cost"]) == (dough_lot["lot_code"], "2.54")
    said = await cli(system, "costs", "order", external_id)
    assert "cost of goods 2.21 EUR, revenue 69.30, margin 67.09 (96.81 %)" in said
    summary = await cli(system, "costs", "summary", "--month", "2026-11", "--json")
    assert '"channel": "shopify"' in summary

    # The late invoice: flour A cost 10.00, not 8.00. Dough (10.00 + 2.40 + 15.00) / 10 = 2.74,
    # biscuits (27.40 + 10.00) / 112 = 0.333929; the order's 7 now cost 2.337503 → 2.34.
    said = await cli(system, "costs", "correct", flour_a, "--cost", "10.00")
    assert f"{flour_a}: 0.80 → 1.00 EUR" in said
    assert f"{dough_lot['lot_code']}: 2.54 → 2.74 EUR" in said
    recosted = await eventually(cost, lambda c: c["cost"] != "2.21")
    assert (recosted["cost"], recosted["margin"]) == ("2.34", "66.96")
    assert recosted["lines"][0]["lots"][0]["unit_cost"] == "0.333929"

    # The mixer's log says the dough ran 45 min, not 30: labour 22.50, dough (10.00 + 2.40 +
    # 22.50) / 10 = 3.49, biscuits (34.90 + 10.00) / 112 = 0.400893; the order's 7 now cost
    # 2.806251 → 2.81, margin 66.49 (95.95 %).
    corrected = await json_of(
        await gateway.patch(
            f"/api/production-orders/{child_id}/run",
            json={"run_minutes": 45, "reason": "the mixer's log"},
        )
    )
    assert (corrected["previous_run_minutes"], corrected["run_minutes"]) == (30, 45)
    assert corrected["changed"] is True
    [finished] = await eventually(
        lambda: _lots(gateway, biscuits), lambda found: found[0]["unit_cost"] != "0.333929"
    )
    assert finished["unit_cost"] == "0.400893"
    [dough_now] = await _lots(gateway, dough)
    assert dough_now["unit_cost"] == "3.49"
    rerun = await eventually(cost, lambda c: c["cost"] != "2.34")
    assert (rerun["cost"], rerun["margin"], rerun["margin_percent"]) == ("2.81", "66.49", "95.95")
    assert rerun["lines"][0]["lots"][0]["unit_cost"] == "0.400893"
    # The same time again (here from the CLI) changes and re-costs nothing.
    said = await cli(system, "production", "correct-run", str(child_id), "--minutes", "45")
    assert "already ran 45 min: nothing changes" in said
    # Only a completed run can be corrected.
    refused = await gateway.patch(
        f"/api/production-orders/{uuid.uuid4()}/run", json={"run_minutes": 10}
    )
    assert refused.status_code == 404


async def _lots(gateway: httpx.AsyncClient, item_code: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await json_of(
        await gateway.get("/api/lots", params={"item_code": item_code})
    )
    return found
