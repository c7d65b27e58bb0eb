"""Cancellation across services, and bad input refused at the door with nothing changed."""

from __future__ import annotations

import functools
import uuid
from typing import Any

import pytest

from tests.e2e import shopify
from tests.e2e.conftest import eventually, json_of
from tests.e2e.test_make_to_order import order_status, post_until_accepted, production_order
from tests.e2e.test_skeleton_flow import external_id_of, new_shop

pytestmark = pytest.mark.e2e


async def catalogue(gateway: Any, tag: str) -> tuple[str, str]:
    """A soap made from oil (kg), with 2 finished bars and 3 kg of oil in stock."""
    oil, soap = f"OIL-{tag}", f"SOAP-{tag}"
    await json_of(
        await gateway.post(
            "/api/items",
            json={
                "code": oil,
                "name": "Olive oil",
                "kind": "raw_material",
                "base_unit": "kg",
                "supplier": "Frantoio",
                "lead_time_days": 7,
            },
        )
    )
    await json_of(
        await gateway.post(
            "/api/items",
            json={
                "code": soap,
                "name": "Soap",
                "kind": "finished_good",
                "base_unit": "pc",
                "shelf_life_days": 365,
            },
        )
    )
    await json_of(
        await gateway.post(
            "/api/receipts",
            json={
                "item_code": oil,
                "quantity": "3",
                "unit": "kg",
                "supplier": "Frantoio",
                "supplier_lot_code": "F-1",
            },
        )
    )
    await json_of(
        await gateway.post(
            "/api/lots",
            json={
                "item_code": soap,
                "lot_code": f"{soap}-A",
                "quantity": "2",
                "unit": "pc",
            },
        )
    )
    await post_until_accepted(
        gateway,
        "/api/recipes",
        {
            "item_code": soap,
            "batch_size": "10",
            "unit": "pc",
            "whole_batches": True,
            "lines": [{"item_code": oil, "quantity": "1", "unit": "kg"}],
        },
    )
    return oil, soap


async def lots_of(gateway: Any, item: str) -> list[Any]:
    return list(await json_of(await gateway.get("/api/lots", params={"item_code": item})))


async def test_cancelling_an_order_releases_its_stock_and_cancels_production_made_for_it(gateway):
    oil, soap = await catalogue(gateway, uuid.uuid4().hex[:5].upper())
    shop = await new_shop(gateway)
    await json_of(
        await gateway.put(f"/api/shops/{shop.domain}/sku-mappings/{soap}", json={"item_code": soap})
    )
    body = shopify.order_body([(soap, 5)])
    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))
    order = await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: o is not None and o["status"] == "materials_reserved",
    )
    [link] = order["production_orders"]
    [oil_lot] = await lots_of(gateway, oil)
    assert oil_lot["reserved"] == "1"  # one whole batch of 10 bars holds 1 kg of oil

    answer = await gateway.post(f"/api/orders/{order['id']}/cancel", json={"reason": "phoned"})
    again = await gateway.post(f"/api/orders/{order['id']}/cancel", json={})

    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    assert again.status_code == 409
    await eventually(
        functools.partial(production_order, gateway, link["production_order_id"]),
        lambda po: po["status"] == "cancelled",
    )
    await eventually(
        functools.partial(lots_of, gateway, oil), lambda lots: lots[0]["reserved"] == "0"
    )
    await eventually(
        functools.partial(lots_of, gateway, soap), lambda lots: lots[0]["reserved"] == "0"
    )


async def test_bad_input_is_refused_with_a_clear_error_and_changes_nothing(gateway):
    oil, soap = await catalogue(gateway, uuid.uuid4().hex[:5].upper())
    before = await lots_of(gateway, oil)

    negative = await gateway.post(
        "/api/receipts",
        json={
            "item_code": oil,
            "quantity": "-2",
            "unit": "kg",
            "supplier": "F",
            "supplier_lot_code": "X",
        },
    )
    wrong_unit = await gateway.post(
        "/api/receipts",
        json={
            "item_code": oil,
            "quantity": "2",
            "unit": "pc",
            "supplier": "F",
            "supplier_lot_code": "X",
        },
    )
    cycle = await gateway.post(
        "/api/recipes",
        json={
            "item_code": oil,
            "batch_size": "1",
            "unit": "kg",
            "lines": [{"item_code": soap, "quantity": "1", "unit": "pc"}],
        },
    )
    unknown = await gateway.post(
        "/api/recipes",
        json={
            "item_code": soap,
            "batch_size": "10",
            "unit": "pc",
            "lines": [{"item_code": "NO-SUCH-ITEM", "quantity": "1", "unit": "kg"}],
        },
    )
    impossible = await gateway.post(
        "/api/recipes",
        json={
            "item_code": soap,
            "batch_size": "10",
            "unit": "pc",
            "lines": [{"item_code": oil, "quantity": "1", "unit": "pc"}],
        },
    )
    zero = await gateway.post(
        "/api/recipes",
        json={
            "item_code": soap,
            "batch_size": "10",
            "unit": "pc",
            "lines": [{"item_code": oil, "quantity": "0", "unit": "kg"}],
        },
    )

    assert negative.status_code == 422 and "positive" in negative.text
    assert wrong_unit.status_code == 422 and "cannot convert pc to kg" in wrong_unit.text
    assert cycle.status_code == 422 and soap in cycle.json()["detail"] and oil in cycle.text
    assert unknown.status_code == 422 and "NO-SUCH-ITEM" in unknown.json()["detail"]
    assert impossible.status_code == 422 and oil in impossible.json()["detail"]
    assert zero.status_code == 422 and oil in zero.text
    assert await lots_of(gateway, oil) == before
    recipe = await json_of(await gateway.get(f"/api/recipes/{soap}"))
    assert len(recipe["versions"]) == 1
