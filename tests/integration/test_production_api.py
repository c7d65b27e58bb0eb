"""Production's HTTP API on the real PostgreSQL (no broker: events are fed to the use
cases directly): recipes, availability, read models and the operator's answers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import handlers, read_models
from services.production import tables as t
from services.production.main import create_app
from services.production.production_orders import planning
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import ItemDefined, LotChanged, LotStatus, Shortage, StockShort
from shared.settings import Settings
from shared.units import Quantity


def code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture
async def api(
    settings: Settings, production_engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=production_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://production") as client:
        yield client


async def define(engine: AsyncEngine, item: str, unit: str, kind: str, **more: Any) -> None:
    event = ItemDefined(code=item, name=item.title(), kind=kind, base_unit=unit, **more)
    await apply_once(engine, read_models.when_item_defined, Envelope.wrap(event), event)


async def lot(
    engine: AsyncEngine,
    lot_code: str,
    item: str,
    on_hand: str,
    unit: str,
    *,
    revision: int = 1,
    status: LotStatus = LotStatus.AVAILABLE,
) -> None:
    event = LotChanged(
        lot_code=lot_code,
        item_code=item,
        on_hand=Quantity.of(on_hand, unit),
        reserved=Quantity.zero(unit),
        revision=revision,
        status=status,
    )
    await apply_once(engine, handlers.on_lot_changed, Envelope.wrap(event), event)


def recipe_body(item: str, *lines: tuple[str, str, str], batch: str = "10", unit: str = "kg"):
    return {
        "item_code": item,
        "batch_size": batch,
        "unit": unit,
        "expected_yield": "1",
        "whole_batches": True,
        "duration_minutes": 60,
        "lines": [{"item_code": i, "quantity": q, "unit": u} for i, q, u in lines],
    }


async def recipe_count(engine: AsyncEngine, item: str) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                sa.select(sa.func.count()).select_from(t.recipe).where(t.recipe.c.item_code == item)
            )
            or 0
        )


async def test_recipes_are_versioned_with_one_active(api, production_engine):
    bread, flour = code("BREAD"), code("FLOUR")
    await define(production_engine, bread, "pc", "finished_good")
    await define(production_engine, flour, "kg", "raw_material")

    first = await api.post("/api/recipes", json=recipe_body(bread, (flour, "500", "g"), unit="pc"))
    second = await api.post(
        "/api/recipes", json=recipe_body(bread, (flour, "0.6", "kg"), unit="pc")
    )

    assert first.status_code == second.status_code == 201, first.text
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    assert second.json()["lines"] == [
        {"line_no": 1, "item_code": flour, "quantity": "0.6", "unit": "kg"}
    ]
    got = (await api.get(f"/api/recipes/{bread}")).json()
    assert got["active"]["version"] == 2
    assert [(v["version"], v["active"]) for v in got["versions"]] == [(2, True), (1, False)]
    listed = {r["item_code"]: r["version"] for r in (await api.get("/api/recipes")).json()}
    assert listed[bread] == 2
    assert (await api.get(f"/api/recipes/{code('NONE')}")).status_code == 404


@pytest.mark.parametrize(
    ("lines", "batch", "culprit"),
    [
        ([("{ghost}", "1", "kg")], "10", "{ghost} is unknown"),
        ([("{flour}", "1", "pc")], "10", "line {flour}: pc cannot be converted to kg"),
        ([("{flour}", "0", "kg")], "10", "line {flour}: quantity must be positive"),
        ([("{flour}", "1", "kg")], "-1", "batch size must be positive"),
        ([], "10", "has no lines"),
    ],
)
async def test_a_bad_recipe_is_refused_naming_the_culprit_and_nothing_is_stored(
    api, production_engine, lines, batch, culprit
):
    dough, flour, ghost = code("DOUGH"), code("FLOUR"), code("GHOST")
    await define(production_engine, dough, "kg", "intermediate")
    await define(production_engine, flour, "kg", "raw_material")
    names = {"flour": flour, "ghost": ghost}
    body = recipe_body(dough, *((i.format(**names), q, u) for i, q, u in lines), batch=batch)

    answer = await api.post("/api/recipes", json=body)

    assert answer.status_code == 422, answer.text
    assert culprit.format(**names) in answer.json()["detail"]
    assert await recipe_count(production_engine, dough) == 0


async def test_a_recipe_closing_a_cycle_is_refused(api, production_engine):
    a, b = code("A"), code("B")
    await define(production_engine, a, "kg", "intermediate")
    await define(production_engine, b, "kg", "intermediate")
    assert (await api.post("/api/recipes", json=recipe_body(a, (b, "1", "kg")))).status_code == 201

    answer = await api.post("/api/recipes", json=recipe_body(b, (a, "1", "kg")))

    assert answer.status_code == 422
    assert f"{b} → {a} → {b}" in answer.json()["detail"]
    assert await recipe_count(production_engine, b) == 0


async def test_availability_explodes_every_level_against_the_lots(api, production_engine):
    cake, sponge, flour, egg, box = (code(p) for p in ("CAKE", "SPONGE", "FLOUR", "EGG", "BOX"))
    await define(production_engine, cake, "pc", "finished_good")
    await define(production_engine, sponge, "kg", "intermediate")
    await define(production_engine, flour, "kg", "raw_material", supplier="Mill", lead_time_days=4)
    await define(production_engine, egg, "pc", "raw_material", supplier="Farm", lead_time_days=2)
    await define(production_engine, box, "pc", "packaging", supplier="Cartons", lead_time_days=9)
    await api.post(
        "/api/recipes", json=recipe_body(sponge, (flour, "600", "g"), (egg, "8", "pc"), batch="1")
    )
    await api.post(
        "/api/recipes",
        json=recipe_body(cake, (sponge, "0.5", "kg"), (box, "1", "pc"), batch="1", unit="pc"),
    )
    await lot(production_engine, f"{flour}-1", flour, "1", "kg")
    await lot(production_engine, f"{egg}-1", egg, "100", "pc")
    await lot(production_engine, f"{box}-1", box, "1", "pc", revision=5)
    await lot(production_engine, f"{box}-1", box, "50", "pc", revision=4)  # stale: ignored

    answer = await api.post(
        "/api/availability", json={"item_code": cake, "quantity": "4", "unit": "pc"}
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    materials = {m["item_code"]: m for m in body["materials"]}
    assert (materials[flour]["needed"], materials[flour]["missing"]) == ("1.2", "0.2")
    assert (materials[flour]["supplier"], materials[flour]["lead_time_days"]) == ("Mill", 4)
    assert materials[box]["short"] == "3"
    assert materials[sponge]["made"] == "2"
    assert (body["can_start_now"], body["material_lead_days"]) == (False, 9)
    assert [(p["item_code"], p["planned"]) for p in body["productions"]] == [
        (sponge, "2"),
        (cake, "4"),
    ]
    missing_recipe = await api.post(
        "/api/availability", json={"item_code": flour, "quantity": "1", "unit": "kg"}
    )
    assert missing_recipe.status_code == 404
    for bad in ({"quantity": "-1", "unit": "pc"}, {"quantity": "1", "unit": "kg"}):
        answer = await api.post("/api/availability", json={"item_code": cake, **bad})
        assert answer.status_code == 422, answer.text


async def test_operator_answers_name_the_status_and_the_link_works_both_ways(
    api, production_engine
):
    soap = code("SOAP")
    await define(production_engine, soap, "pc", "finished_good")
    order_id = uuid.uuid4()
    event = StockShort(
        order_id=order_id,
        reservations=(),
        shortages=(
            Shortage(
                line_no=1,
                item_code=soap,
                requested=Quantity.of(5, "pc"),
                reserved=Quantity.zero("pc"),
                missing=Quantity.of(5, "pc"),
            ),
        ),
    )
    await apply_once(production_engine, planning.plan_for_stock_short, Envelope.wrap(event), event)
    po_id = str(planning.make_to_order_id(order_id, soap))

    [served] = (await api.get("/api/production-orders", params={"order_id": str(order_id)})).json()
    started = await api.post(f"/api/production-orders/{po_id}/start")
    completed = await api.post(
        f"/api/production-orders/{po_id}/complete", json={"output_quantity": "5"}
    )
    cancelled = await api.post(f"/api/production-orders/{po_id}/cancel", json={"reason": "no"})
    again = await api.post(f"/api/production-orders/{po_id}/cancel")
    unknown = await api.post(f"/api/production-orders/{uuid.uuid4()}/start")

    assert served["id"] == po_id
    assert served["demands"] == [
        {"order_id": str(order_id), "line_no": 1, "quantity": "5", "unit": "pc"}
    ]
    assert started.status_code == 409 and "is planned" in started.json()["detail"]
    assert completed.status_code == 409 and "is planned" in completed.json()["detail"]
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["reason"] == "no"
    assert again.status_code == 409 and "is cancelled" in again.json()["detail"]
    assert unknown.status_code == 404
