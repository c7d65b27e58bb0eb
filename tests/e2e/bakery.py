"""The small bakery the promise and make-to-stock journeys start from, under codes of its
own so the journeys never see each other's stock."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.conftest import json_of


async def new_bakery(gateway: httpx.AsyncClient) -> tuple[str, str, str, str]:
    """Flour (10 days from Mulino Rossi), jars (15 days from Vetri Nord) and biscuits, with
    the code of an oven line not defined yet: ``(flour, jar, biscuits, line)``."""
    tag = uuid.uuid4().hex[:5].upper()
    flour, jar, biscuits, line = f"FLOUR-{tag}", f"JAR-{tag}", f"BISCUIT-{tag}", f"OVEN-{tag}"
    catalogue: list[tuple[str, str, str, dict[str, Any]]] = [
        (flour, "raw_material", "kg", {"supplier": "Mulino Rossi", "lead_time_days": 10}),
        (jar, "packaging", "pc", {"supplier": "Vetri Nord", "lead_time_days": 15}),
        (biscuits, "finished_good", "pc", {"shelf_life_days": 180}),
    ]
    for code, kind, unit, extra in catalogue:
        await json_of(
            await gateway.post(
                "/api/items",
                json={"code": code, "name": code, "kind": kind, "base_unit": unit, **extra},
            )
        )
    return flour, jar, biscuits, line


async def biscuits_on_an_oven(gateway: httpx.AsyncClient) -> tuple[str, str, str, str]:
    """``new_bakery`` with 100 jars received, its oven line defined and biscuits made on it
    (10 a batch: 2 kg flour and 10 jars, 30 min setup + 60 min a batch); flour stays short."""
    from tests.e2e.test_make_to_order import post_until_accepted

    flour, jar, biscuits, line = await new_bakery(gateway)
    tag = line.removeprefix("OVEN-")
    receipt = {
        "item_code": jar,
        "quantity": "100",
        "unit": "pc",
        "supplier": "Vetri Nord",
        "supplier_lot_code": f"VN-{tag}",
    }
    await json_of(await gateway.post("/api/receipts", json=receipt))
    await json_of(await gateway.post("/api/lines", json={"code": line, "name": "Oven"}))
    await post_until_accepted(
        gateway,
        "/api/recipes",
        {
            "item_code": biscuits,
            "batch_size": "10",
            "unit": "pc",
            "line_code": line,
            "setup_minutes": 30,
            "minutes_per_batch": 60,
            "lines": [
                {"item_code": flour, "quantity": "2", "unit": "kg"},
                {"item_code": jar, "quantity": "10", "unit": "pc"},
            ],
        },
    )
    return flour, jar, biscuits, line
