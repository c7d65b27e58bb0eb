"""Lot traceability and recall over the real system.

A three-level history is built through the gateway exactly as operators would: a flour
lot (and a butter lot) from suppliers → one dough batch → two biscuit batches → five
orders for three customers, four of them shipped. Then: forward and backward traces,
a recall that blocks the stock and holds the open order, and a rebuild of the trace read
model from the topics that answers the same.
"""

from __future__ import annotations

import csv
import functools
import io
import operator
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.trace.rebuild import rebuild
from shared.db import create_engine
from tests.e2e import shopify
from tests.e2e.conftest import System, eventually, json_of
from tests.e2e.test_make_to_order import has_status, order_status, post_until_accepted
from tests.e2e.test_skeleton_flow import external_id_of, new_shop

pytestmark = pytest.mark.e2e

ALICE = ("Alice", "Bianchi", "alice@example.org")
BOB = ("Bob", "Conti", "bob@example.org")
CAROL = ("Carol", "Esposito", "carol@example.org")


@dataclass
class History:
    flour: str
    butter: str
    dough: str
    biscuits: str
    flour_lot: str
    butter_lot: str
    flour_supplier_lot: str
    dough_lot: str
    first_biscuit_lot: str
    second_biscuit_lot: str
    dough_order: str
    first_batch: str
    second_batch: str
    orders: dict[str, Any]  # "o1".."o5" → order
    shipments: dict[str, Any]  # "o1".."o4" → shipment
    shop: Any


def q(value: str, unit: str) -> dict[str, str]:
    return {"value": value, "unit": unit}


async def production(client: httpx.AsyncClient, po_id: str) -> Any:
    return await json_of(await client.get(f"/api/production-orders/{po_id}"))


async def wait_production(client: httpx.AsyncClient, po_id: str, *statuses: str) -> Any:
    return await eventually(
        functools.partial(production, client, po_id), lambda po: po["status"] in statuses
    )


async def make(client: httpx.AsyncClient, po_id: str, output: str) -> str:
    """Start and complete a production order whose materials are held; its output lot."""
    await wait_production(client, po_id, "materials_reserved")
    await json_of(await client.post(f"/api/production-orders/{po_id}/start"))
    await json_of(
        await client.post(
            f"/api/production-orders/{po_id}/complete", json={"output_quantity": output}
        )
    )
    done = await eventually(
        functools.partial(production, client, po_id), lambda po: po["output_lot_code"]
    )
    return str(done["output_lot_code"])


async def place(
    client: httpx.AsyncClient, shop: Any, sku: str, qty: int, who: tuple[str, str, str]
) -> str:
    body = shopify.order_body([(sku, qty)], customer=who)
    await shopify.post(client, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))
    return external_id_of(body)


async def ship(client: httpx.AsyncClient, order: Any) -> Any:
    return await json_of(
        await client.post(
            f"/api/orders/{order['id']}/shipments",
            json={"carrier": "manual", "service": "BRT", "tracking_number": uuid.uuid4().hex[:10]},
        )
    )


async def define_catalogue(client: httpx.AsyncClient, tag: str) -> tuple[str, str, str, str]:
    flour, butter, dough, biscuits = (f"{x}-{tag}" for x in ("FLOUR", "BUTTER", "DOUGH", "BISC"))
    catalogue: list[tuple[str, str, str, dict[str, Any]]] = [
        (flour, "raw_material", "kg", {"supplier": "Mulino Rossi"}),
        (butter, "raw_material", "kg", {"supplier": "Latteria Sole"}),
        (dough, "intermediate", "kg", {"shelf_life_days": 3}),
        (biscuits, "finished_good", "pc", {"shelf_life_days": 180}),
    ]
    for code, kind, unit, extra in catalogue:
        await json_of(
            await client.post(
                "/api/items",
                json={"code": code, "name": code.title(), "kind": kind, "base_unit": unit, **extra},
            )
        )
    await post_until_accepted(
        client,
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
                {"item_code": butter, "quantity": "4", "unit": "kg"},
            ],
        },
    )
    await post_until_accepted(
        client,
        "/api/recipes",
        {
            "item_code": biscuits,
            "batch_size": "5",
            "unit": "pc",
            "expected_yield": "1",
            "whole_batches": True,
            "duration_minutes": 90,
            "lines": [{"item_code": dough, "quantity": "500", "unit": "g"}],
        },
    )
    return flour, butter, dough, biscuits


async def receive(client: httpx.AsyncClient, item: str, supplier: str, supplier_lot: str) -> str:
    receipt = await json_of(
        await client.post(
            "/api/receipts",
            json={
                "item_code": item,
                "quantity": "10",
                "unit": "kg",
                "supplier": supplier,
                "supplier_lot_code": supplier_lot,
                "expires_on": "2027-06-30",
            },
        )
    )
    return str(receipt["lot_code"])


@pytest.fixture(scope="module")
async def history(system: System) -> AsyncIterator[History]:
    async with httpx.AsyncClient(
        base_url=system.gateway, timeout=30.0, headers=system.admin_headers
    ) as client:
        yield await build_history(client)


async def build_history(client: httpx.AsyncClient) -> History:
    tag = uuid.uuid4().hex[:5].upper()
    flour, butter, dough, biscuits = await define_catalogue(client, tag)
    flour_supplier_lot = f"MR-{tag}"
    flour_lot = await receive(client, flour, "Mulino Rossi", flour_supplier_lot)
    butter_lot = await receive(client, butter, "Latteria Sole", f"LS-{tag}")
    shop = await new_shop(client)
    await json_of(
        await client.put(
            f"/api/shops/{shop.domain}/sku-mappings/{biscuits}", json={"item_code": biscuits}
        )
    )
    external = {}

    # O1 (Alice, 3): no biscuits, no dough → biscuit batch P1 (5) and dough batch D (0.5 kg).
    external["o1"] = await place(client, shop, biscuits, 3, ALICE)
    # Its batch waits for dough, but flour and butter are in: nothing is missing at any
    # level, so the order waits for production.
    o1 = await eventually(
        functools.partial(order_status, client, external["o1"]),
        lambda o: (
            o is not None
            and o["status"] == "awaiting_production"
            and o["missing_materials"] == []
            and [p["status"] for p in o["production_orders"]] == ["blocked_on_materials"]
        ),
    )
    first_batch = o1["production_orders"][0]["production_order_id"]
    [dough_order] = (await production(client, first_batch))["children"]
    dough_order = str(dough_order["id"] if isinstance(dough_order, dict) else dough_order)
    dough_lot = await make(client, dough_order, "2")  # 2 kg: more than P1 needs
    first_biscuit_lot = await make(client, first_batch, "5")  # 3 to O1, 2 left
    await eventually(
        functools.partial(order_status, client, external["o1"]), has_status("ready_to_ship")
    )

    # O2 (Bob, 5): 2 from the first biscuit lot, 3 made by P2 from the same dough lot.
    external["o2"] = await place(client, shop, biscuits, 5, BOB)
    o2 = await eventually(
        functools.partial(order_status, client, external["o2"]),
        lambda o: o is not None and o["production_orders"],
    )
    second_batch = o2["production_orders"][0]["production_order_id"]
    second_biscuit_lot = await make(client, second_batch, "12")  # 3 to O2, 9 left
    await eventually(
        functools.partial(order_status, client, external["o2"]), has_status("ready_to_ship")
    )

    # O3 (Carol, 4), O4 (Alice, 2), O5 (Bob, 1): all from the second lot's free stock.
    for name, qty, who in (("o3", 4, CAROL), ("o4", 2, ALICE), ("o5", 1, BOB)):
        external[name] = await place(client, shop, biscuits, qty, who)
        await eventually(
            functools.partial(order_status, client, external[name]), has_status("ready_to_ship")
        )
    orders = {name: await order_status(client, ext) for name, ext in external.items()}
    shipments = {name: await ship(client, orders[name]) for name in ("o1", "o2", "o3", "o4")}
    return History(
        flour=flour,
        butter=butter,
        dough=dough,
        biscuits=biscuits,
        flour_lot=flour_lot,
        butter_lot=butter_lot,
        flour_supplier_lot=flour_supplier_lot,
        dough_lot=dough_lot,
        first_biscuit_lot=first_biscuit_lot,
        second_biscuit_lot=second_biscuit_lot,
        dough_order=dough_order,
        first_batch=first_batch,
        second_batch=second_batch,
        orders=orders,
        shipments=shipments,
        shop=shop,
    )


async def forward(client: httpx.AsyncClient, lot_code: str) -> Any:
    answer = await client.get(f"/api/trace/lots/{lot_code}/forward")
    return answer.json() if answer.status_code == 200 else None


async def order_backward(client: httpx.AsyncClient, order_id: str) -> Any:
    answer = await client.get(f"/api/trace/orders/{order_id}/backward")
    return answer.json() if answer.status_code == 200 else None


async def supplier_lot_forward(client: httpx.AsyncClient, supplier_lot_code: str) -> Any:
    path = f"/api/trace/suppliers/Mulino Rossi/lots/{supplier_lot_code}/forward"
    answer = await client.get(path)
    return answer.json() if answer.status_code == 200 else None


def shipped_everything(h: History) -> Any:
    """The trace has seen all four shipments and the stock left after them."""

    def accept(trace: Any) -> bool:
        in_stock = {s["lot_code"]: s["quantity"] for s in trace["in_stock"]} if trace else {}
        return (
            trace is not None
            and len(trace["shipments"]) == 4
            and len(trace["customers"]) == 3
            and in_stock.get(h.second_biscuit_lot) == q("3", "pc")
        )

    return accept


async def graph_size(system: System) -> int:
    engine = create_engine(system.settings.pg.url("trace"), pool_size=1)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(sa.text("SELECT count(*) FROM trace_node")) or 0)
    finally:
        await engine.dispose()


def lot_uses(uses: list[Any]) -> set[tuple[str, str]]:
    return {(u["lot_code"], u["quantity"]["value"]) for u in uses}


async def test_forward_trace_of_the_flour_lot_reaches_every_lot_shipment_and_customer(
    gateway, history
):
    h = history

    trace = await eventually(
        functools.partial(forward, gateway, h.flour_lot), shipped_everything(h)
    )

    assert {lot["lot_code"] for lot in trace["lots"]} == {
        h.dough_lot,
        h.first_biscuit_lot,
        h.second_biscuit_lot,
    }
    made = {lot["lot_code"]: (lot["quantity"], lot["made_by"]) for lot in trace["lots"]}
    assert made[h.dough_lot] == (q("2", "kg"), [h.dough_order])
    assert made[h.first_biscuit_lot] == (q("5", "pc"), [h.first_batch])
    assert made[h.second_biscuit_lot] == (q("12", "pc"), [h.second_batch])
    productions = {p["production_order_id"]: p for p in trace["production_orders"]}
    assert set(productions) == {h.dough_order, h.first_batch, h.second_batch}
    assert lot_uses(productions[h.dough_order]["consumed"]) == {(h.flour_lot, "0.3")}
    assert lot_uses(productions[h.first_batch]["consumed"]) == {(h.dough_lot, "0.5")}
    assert lot_uses(productions[h.second_batch]["consumed"]) == {(h.dough_lot, "0.5")}
    o = h.orders
    by_order = {s["order_id"]: lot_uses(s["lots"]) for s in trace["shipments"]}
    assert by_order == {
        o["o1"]["id"]: {(h.first_biscuit_lot, "3")},
        o["o2"]["id"]: {(h.first_biscuit_lot, "2"), (h.second_biscuit_lot, "3")},
        o["o3"]["id"]: {(h.second_biscuit_lot, "4")},
        o["o4"]["id"]: {(h.second_biscuit_lot, "2")},
    }
    assert all(s["shipped_on"] for s in trace["shipments"])
    customers = {c["customer"]: c for c in trace["customers"]}
    assert set(customers) == {ALICE[2], BOB[2], CAROL[2]}
    assert lot_uses(customers[ALICE[2]]["shipped"]) == {
        (h.first_biscuit_lot, "3"),
        (h.second_biscuit_lot, "2"),
    }
    assert lot_uses(customers[BOB[2]]["shipped"]) == {
        (h.first_biscuit_lot, "2"),
        (h.second_biscuit_lot, "3"),
    }
    assert lot_uses(customers[CAROL[2]]["shipped"]) == {(h.second_biscuit_lot, "4")}
    assert customers[ALICE[2]]["name"] == "Alice Bianchi"
    assert sorted(customers[ALICE[2]]["order_ids"]) == sorted([o["o1"]["id"], o["o4"]["id"]])
    stock = {s["lot_code"]: Decimal(s["quantity"]["value"]) for s in trace["in_stock"]}
    assert stock == {
        h.flour_lot: Decimal("9.7"),
        h.dough_lot: Decimal("1"),
        h.second_biscuit_lot: Decimal("3"),
    }
    assert trace["supplier_lots"] == [] and trace["suppliers"] == []


async def test_backward_trace_of_an_order_reaches_its_ingredient_lots_and_suppliers(
    gateway, history
):
    h = history
    await eventually(functools.partial(forward, gateway, h.flour_lot), shipped_everything(h))

    trace = await order_backward(gateway, h.orders["o2"]["id"])

    [shipment] = trace["shipments"]
    assert shipment["shipment_id"] == h.shipments["o2"]["id"]
    assert lot_uses(shipment["lots"]) == {(h.first_biscuit_lot, "2"), (h.second_biscuit_lot, "3")}
    assert {lot["lot_code"] for lot in trace["lots"]} == {
        h.first_biscuit_lot,
        h.second_biscuit_lot,
        h.dough_lot,
        h.flour_lot,
        h.butter_lot,
    }
    productions = {p["production_order_id"]: p for p in trace["production_orders"]}
    assert set(productions) == {h.dough_order, h.first_batch, h.second_batch}
    assert lot_uses(productions[h.dough_order]["consumed"]) == {
        (h.flour_lot, "0.3"),
        (h.butter_lot, "0.2"),
    }
    assert {(s["supplier"], s["supplier_lot_code"]) for s in trace["supplier_lots"]} == {
        ("Mulino Rossi", h.flour_supplier_lot),
        ("Latteria Sole", f"LS-{h.flour_supplier_lot[3:]}"),
    }
    assert trace["suppliers"] == ["Latteria Sole", "Mulino Rossi"]
    assert trace["customers"] == []  # backward never walks down to other customers


async def test_a_recall_blocks_the_stock_holds_the_open_order_and_lists_the_customers(
    gateway, history
):
    h = history
    before = await eventually(
        functools.partial(forward, gateway, h.flour_lot), shipped_everything(h)
    )
    reason = "Salmonella found by the mill"

    answer = await gateway.post(
        "/api/trace/recalls",
        json={
            "supplier": "Mulino Rossi",
            "supplier_lot_code": h.flour_supplier_lot,
            "reason": reason,
        },
    )

    recall = await json_of(answer)
    assert answer.status_code == 201
    assert recall["lot_codes"] == sorted(
        [h.flour_lot, h.dough_lot, h.first_biscuit_lot, h.second_biscuit_lot]
    )
    assert {c["customer"] for c in recall["trace"]["customers"]} == {
        c["customer"] for c in before["customers"]
    }
    o5 = await eventually(
        functools.partial(order_status, gateway, h.orders["o5"]["external_id"]),
        has_status("on_hold"),
    )
    assert reason in o5["hold_reason"] and h.second_biscuit_lot in o5["hold_reason"]
    lots = await json_of(await gateway.get("/api/lots", params={"item_code": h.biscuits}))
    blocked = {x["lot_code"]: x["blocked_reason"] for x in lots}
    assert blocked[h.second_biscuit_lot] == reason and blocked[h.first_biscuit_lot] == reason
    # Shipping the held order is refused, and nothing leaves.
    refused = await gateway.post(
        f"/api/orders/{o5['id']}/shipments", json={"carrier": "manual", "tracking_number": "X"}
    )
    assert refused.status_code == 409, refused.text
    # A new order cannot reserve the recalled lot's 2 free pieces.
    late = await place(gateway, h.shop, h.biscuits, 1, CAROL)
    o6 = await eventually(
        functools.partial(order_status, gateway, late),
        lambda o: o is not None and o["status"] not in ("received",),
    )
    assert o6["reservations"] == [] and o6["status"] != "ready_to_ship"
    lots = await json_of(await gateway.get("/api/lots", params={"item_code": h.biscuits}))
    [second] = [x for x in lots if x["lot_code"] == h.second_biscuit_lot]
    assert (second["on_hand"], second["reserved"]) == ("3", "1")

    exported = await gateway.get(f"/api/trace/recalls/{recall['recall_id']}/export.csv")

    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["customer"] for r in rows} == {ALICE[2], BOB[2], CAROL[2]}
    assert sorted((r["order_id"], r["lot_code"], r["quantity"]) for r in rows) == sorted(
        [
            (h.orders["o1"]["id"], h.first_biscuit_lot, "3"),
            (h.orders["o2"]["id"], h.first_biscuit_lot, "2"),
            (h.orders["o2"]["id"], h.second_biscuit_lot, "3"),
            (h.orders["o3"]["id"], h.second_biscuit_lot, "4"),
            (h.orders["o4"]["id"], h.second_biscuit_lot, "2"),
        ]
    )
    report = await gateway.get(f"/api/trace/recalls/{recall['recall_id']}/report.pdf")
    assert report.status_code == 200 and report.content.startswith(b"%PDF")


async def test_the_read_model_rebuilt_from_the_topics_answers_the_same(gateway, history, system):
    h = history
    await eventually(functools.partial(forward, gateway, h.flour_lot), shipped_everything(h))
    traces = {
        "forward": functools.partial(forward, gateway, h.flour_lot),
        "order": functools.partial(order_backward, gateway, h.orders["o2"]["id"]),
        "supplier lot": functools.partial(supplier_lot_forward, gateway, h.flour_supplier_lot),
    }
    before = {name: await probe() for name, probe in traces.items()}
    assert all(before.values())
    assert h.flour_lot in {lot["lot_code"] for lot in before["supplier lot"]["lots"]}

    system.stop("trace")
    await rebuild(system.settings)
    assert await graph_size(system) == 0
    system.start("trace")
    await system.wait_ready("trace")

    # The two topics are consumed by two groups at their own pace: wait for each answer.
    for name, probe in traces.items():
        after = await eventually(probe, functools.partial(operator.eq, before[name]))
        assert after == before[name], name
