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
