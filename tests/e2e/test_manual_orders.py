"""Manual orders over the real system: one order per Idempotency-Key, even concurrently,
validated like a channel order, then reserved like any other."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import eventually, json_of

pytestmark = pytest.mark.e2e


async def stocked_item(gateway: httpx.AsyncClient, quantity: str = "20") -> str:
    code = f"JAM-{uuid.uuid4().hex[:8].upper()}"
    await json_of(await gateway.post("/api/items", json={"code": code, "name": "Jam"}))
    lot = {"item_code": code, "lot_code": f"{code}-1", "quantity": quantity, "unit": "pc"}
    await json_of(await gateway.post("/api/lots", json=lot))
    return code


def order_of(item: str, quantity: str = "2", **extra: Any) -> dict[str, Any]:
    return {
        "source": "phone",
        "customer": {"name": "Bottega Verdi", "email": "ordini@bottega.example"},
        "lines": [{"item_code": item, "quantity": quantity, "unit": "pc"}],
        **extra,
    }


async def place(gateway: httpx.AsyncClient, body: dict[str, Any], key: str) -> httpx.Response:
    return await gateway.post("/api/manual-orders", json=body, headers={"Idempotency-Key": key})


async def once_connectors_know(gateway: httpx.AsyncClient, body: dict[str, Any], key: str) -> Any:
    """Connectors learn items from inventory's events; until then the item is unknown (422)."""
    return await eventually(
        lambda: place(gateway, body, key), lambda answer: answer.status_code != 422, timeout=30
    )


async def manual_orders(gateway: httpx.AsyncClient, external_id: str) -> list[Any]:
    answer = await gateway.get(
        "/api/orders", params={"channel": "manual", "external_id": external_id}
    )
    return list(await json_of(answer))


async def test_the_same_key_and_body_give_the_same_order_and_another_body_is_refused(gateway):
    jam = await stocked_item(gateway)
    key = str(uuid.uuid4())

    first = await once_connectors_know(gateway, order_of(jam), key)
    again = await place(gateway, order_of(jam), key)
    other = await place(gateway, order_of(jam, quantity="5"), key)

    assert first.status_code == 201 and again.status_code == 200, (first.text, again.text)
    assert again.json()["order_id"] == first.json()["order_id"]
    assert other.status_code == 409 and key in other.json()["detail"]
    [order] = await eventually(
        lambda: manual_orders(gateway, first.json()["external_id"]),
        lambda os: len(os) == 1 and os[0]["status"] == "ready_to_ship",
    )
    assert order["id"] == first.json()["order_id"]
    assert order["customer"]["name"] == "Bottega Verdi"


async def test_ten_concurrent_requests_with_one_key_make_one_order(gateway):
    jam = await stocked_item(gateway)
    await once_connectors_know(gateway, order_of(jam), str(uuid.uuid4()))  # warm: item known
    key = str(uuid.uuid4())

    answers = await asyncio.gather(*(place(gateway, order_of(jam, "3"), key) for _ in range(10)))

    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 9 + [201], [a.text for a in answers]
    assert len({a.json()["order_id"] for a in answers}) == 1
    external_id = answers[0].json()["external_id"]
    await eventually(
        lambda: manual_orders(gateway, external_id),
        lambda os: len(os) == 1 and os[0]["status"] == "ready_to_ship",
    )
    reserved = await json_of(
        await gateway.get("/api/reservations", params={"order_id": answers[0].json()["order_id"]})
    )
    assert sum(int(r["quantity"]) for r in reserved) == 3


async def test_bad_lines_are_refused_by_name_and_nothing_is_ordered(gateway):
    jam = await stocked_item(gateway)
    await once_connectors_know(gateway, order_of(jam), str(uuid.uuid4()))
    unknown = f"NOPE-{uuid.uuid4().hex[:6]}"

    cases = {
        "unknown item": (order_of(unknown), f"lines[0]: unknown item '{unknown}'"),
        "half a piece": (order_of(jam, "2.5"), "lines[0]: 2.5 pc is not a whole number"),
        "negative": (order_of(jam, "-1"), "lines[0]: quantity must be positive"),
        "unit": (
            {**order_of(jam), "lines": [{"item_code": jam, "quantity": "1", "unit": "kg"}]},
            f"item {jam} is counted in pc, not in kg",
        ),
    }
    for body, detail in cases.values():
        key = str(uuid.uuid4())
        answer = await place(gateway, body, key)
        assert answer.status_code == 422 and detail in answer.json()["detail"], answer.text
    no_key = await gateway.post("/api/manual-orders", json=order_of(jam))
    assert no_key.status_code == 422 and "Idempotency-Key" in no_key.text
