"""Lines, calendars and quotes on the real PostgreSQL: capable to promise, reserving nothing.

Every quote is asked ``as_of`` Monday 1 March 2027 (no Italian holiday near it), so the dates
are fixed; every line, item and recipe has a unique code, so tests never see one another's.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import tables as t
from shared.contracts.inventory import LotStatus
from tests.integration.test_production_api import api, code, define, lot

__all__ = ["api"]  # the fixture, imported so that pytest finds it here

MONDAY = "2027-03-01"


async def new_line(client: httpx.AsyncClient, **more: Any) -> str:
    line = code("LINE")
    answer = await client.post("/api/lines", json={"code": line, "name": "Oven", **more})
    assert answer.status_code == 201, answer.text
    return line


async def bread_made_on(
    client: httpx.AsyncClient, engine: AsyncEngine, line: str, *, flour_in_stock: str | None
) -> tuple[str, str]:
    """BREAD: 10 pc a batch from 5 kg of FLOUR (10 days from its miller), 30 min setup and
    60 min a batch on ``line``."""
    bread, flour = code("BREAD"), code("FLOUR")
    await define(engine, bread, "pc", "finished_good")
    await define(engine, flour, "kg", "raw_material", supplier="Mulino", lead_time_days=10)
    if flour_in_stock is not None:
        await lot(engine, code("LOT"), flour, flour_in_stock, "kg")
    recipe = {
        "item_code": bread,
        "batch_size": "10",
        "unit": "pc",
        "line_code": line,
        "setup_minutes": 30,
        "minutes_per_batch": 60,
        "lines": [{"item_code": flour, "quantity": "5", "unit": "kg"}],
    }
    answer = await client.post("/api/recipes", json=recipe)
    assert answer.status_code == 201, answer.text
    return bread, flour


async def quote(client: httpx.AsyncClient, item: str, quantity: str, unit: str = "pc") -> Any:
    body = {"lines": [{"item_code": item, "quantity": quantity, "unit": unit}], "as_of": MONDAY}
    answer = await client.post("/api/quotes", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            table.name: int(await conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
            for table in t.metadata.sorted_tables
        }


async def test_lines_are_defined_once_and_listed(api):
    line = await new_line(api, working_weekdays=[0, 1, 2, 3], hours_per_day="7.5")

    again = await api.post("/api/lines", json={"code": line, "name": "Oven again"})
    listed = {ln["code"]: ln for ln in (await api.get("/api/lines")).json()}

    assert again.status_code == 409
    assert listed[line]["country"] == "IT"
    assert listed[line]["working_weekdays"] == [0, 1, 2, 3]
    assert listed[line]["hours_per_day"] == "7.5"


async def test_a_calendar_that_cannot_be_is_refused(api):
    bad_day = await api.post(
        "/api/lines", json={"code": code("L"), "name": "x", "working_weekdays": [7]}
    )
    bad_country = await api.post(
        "/api/lines", json={"code": code("L"), "name": "x", "country": "XX"}
    )

    assert bad_day.status_code == bad_country.status_code == 422


async def test_the_calendar_shows_holidays_closures_and_breakdowns(api):
    line = await new_line(api, closures=["2027-03-31"])

    broken = await api.put(f"/api/lines/{line}/capacity/2027-03-30", json={"minutes": 0})
    days = (await api.get(f"/api/lines/{line}/calendar?from=2027-03-26&to=2027-03-31")).json()

    assert broken.json() == {"line_code": line, "on": "2027-03-30", "minutes": 0}
    assert [(d["on"], d["working"], d["minutes"]) for d in days["days"]] == [
        ("2027-03-26", True, 480),  # Friday
        ("2027-03-27", False, 0),
        ("2027-03-28", False, 0),  # Easter Sunday
        ("2027-03-29", False, 0),  # Easter Monday
        ("2027-03-30", True, 0),  # a breakdown
        ("2027-03-31", False, 0),  # closed
    ]
    assert [d["holiday"] for d in days["days"]][3] is True
    assert days["days"][4]["overridden"] is True


async def test_capacity_of_an_unknown_line_is_not_found(api):
    answer = await api.put(f"/api/lines/{code('GHOST')}/capacity/2027-03-30", json={"minutes": 0})

    assert answer.status_code == 404


async def test_a_recipe_naming_an_unknown_line_is_refused(api, production_engine):
    cake, flour = code("CAKE"), code("FLOUR")
    await define(production_engine, cake, "pc", "finished_good")
    await define(production_engine, flour, "kg", "raw_material")
    ghost = code("GHOST")
    body = {
        "item_code": cake,
        "batch_size": "1",
        "unit": "pc",
        "line_code": ghost,
        "lines": [{"item_code": flour, "quantity": "1", "unit": "kg"}],
    }

    answer = await api.post("/api/recipes", json=body)

    assert answer.status_code == 422
    assert f"line {ghost} is unknown" in answer.json()["detail"]


async def test_a_ten_day_flour_lead_time_dominates_the_quote(api, production_engine):
    line = await new_line(api)
    bread, flour = await bread_made_on(api, production_engine, line, flour_in_stock=None)

    answer = await quote(api, bread, "20")

    assert answer["promised_on"] == "2027-03-18"
    assert answer["dominant"] == f"material {flour} (10 days)"
    [only] = answer["lines"]
    assert [(t["kind"], t["done_on"], t["days"]) for t in only["breakdown"]] == [
        ("material", "2027-03-15", 10),
        ("production", "2027-03-15", 0),
        ("handling", "2027-03-16", 1),
        ("transit", "2027-03-18", 2),
    ]
    assert only["slot"] == {
        "line": line,
        "start_on": "2027-03-15",
        "end_on": "2027-03-15",
        "minutes_by_day": {"2027-03-15": 150},  # 30 setup + 2 batches x 60
    }


async def test_finished_stock_short_circuits_production(api, production_engine):
    line = await new_line(api)
    bread, _ = await bread_made_on(api, production_engine, line, flour_in_stock=None)
    await lot(production_engine, code("LOT"), bread, "50", "pc")

    answer = await quote(api, bread, "20")

    assert answer["promised_on"] == "2027-03-04"
    assert answer["dominant"] == "stock"
    assert answer["lines"][0]["slot"] is None


async def test_a_recipe_on_no_line_waits_only_for_its_materials(api, production_engine):
    """As the re-plan treats it: production that books no line takes no capacity."""
    bread, flour = code("BREAD"), code("FLOUR")
    await define(production_engine, bread, "pc", "finished_good")
    await define(
        production_engine, flour, "kg", "raw_material", supplier="Mulino", lead_time_days=10
    )
    recipe = {
        "item_code": bread,
        "batch_size": "10",
        "unit": "pc",
        "lines": [{"item_code": flour, "quantity": "5", "unit": "kg"}],
    }
    assert (await api.post("/api/recipes", json=recipe)).status_code == 201

    short = await quote(api, bread, "20")
    await lot(production_engine, code("LOT"), flour, "50", "kg")
    ready = await quote(api, bread, "20")

    assert (short["promised_on"], short["dominant"]) == (
        "2027-03-18",
        f"material {flour} (10 days)",
    )
    assert short["lines"][0]["slot"] is None
    assert ready["promised_on"] == "2027-03-04"  # handling and transit only


async def test_a_two_day_breakdown_pushes_the_date(api, production_engine):
    line = await new_line(api)
    bread, _ = await bread_made_on(api, production_engine, line, flour_in_stock="1000")
    before = await quote(api, bread, "20")
    for day in ("2027-03-01", "2027-03-02"):
        await api.put(f"/api/lines/{line}/capacity/{day}", json={"minutes": 0})

    after = await quote(api, bread, "20")

    assert before["promised_on"] == "2027-03-04"
    assert after["promised_on"] == "2027-03-08"
    assert after["dominant"] == f"line {line} down until 2027-03-02"
    assert after["lines"][0]["slot"]["start_on"] == "2027-03-03"


async def test_open_production_orders_on_the_line_come_first(api, production_engine):
    line = await new_line(api)
    bread, _ = await bread_made_on(api, production_engine, line, flour_in_stock="1000")
    async with production_engine.begin() as conn:
        await conn.execute(
            t.production_order.insert().values(
                id=uuid.uuid4(),
                item_code=bread,
                quantity=80,
                unit="pc",
                status="planned",
                recipe_version=1,
                batches=8,  # 30 + 8 x 60 = 510 minutes: all Monday and half an hour Tuesday
            )
        )

    answer = await quote(api, bread, "20")

    assert answer["lines"][0]["slot"]["minutes_by_day"] == {"2027-03-02": 150}
    assert answer["dominant"] == f"line {line} busy until 2027-03-01"
    assert answer["promised_on"] == "2027-03-05"


async def test_a_quote_writes_nothing(api, production_engine):
    line = await new_line(api)
    bread, _ = await bread_made_on(api, production_engine, line, flour_in_stock=None)
    before = await row_counts(production_engine)

    await quote(api, bread, "20")

    assert await row_counts(production_engine) == before
    assert {t.OUTBOX.name, t.production_order.name, t.line_capacity.name} <= set(before)


async def test_a_quote_for_an_unknown_item_is_refused(api):
    body = {"lines": [{"item_code": code("GHOST"), "quantity": "1", "unit": "pc"}]}

    answer = await api.post("/api/quotes", json=body)

    assert answer.status_code == 422
    assert "is unknown" in answer.json()["detail"]


async def test_recalled_or_quarantined_stock_is_neither_quoted_nor_counted_to_make(
    api, production_engine
):
    line = await new_line(api)
    bread, flour = await bread_made_on(api, production_engine, line, flour_in_stock=None)
    await lot(production_engine, code("LOT"), bread, "50", "pc", status=LotStatus.BLOCKED)
    await lot(production_engine, code("LOT"), bread, "50", "pc", status=LotStatus.QUARANTINED)
    await lot(production_engine, code("LOT"), flour, "50", "kg", status=LotStatus.BLOCKED)
    body = {"item_code": bread, "quantity": "20", "unit": "pc"}

    answer = await quote(api, bread, "20")
    can_make = (await api.post("/api/availability", json=body)).json()

    assert answer["dominant"] == f"material {flour} (10 days)"
    assert can_make["can_start_now"] is False
    [material] = can_make["materials"]
    assert (material["item_code"], material["available"], material["short"]) == (flour, "0", "10")


async def test_a_lot_released_from_its_block_counts_again(api, production_engine):
    line = await new_line(api)
    bread, _ = await bread_made_on(api, production_engine, line, flour_in_stock=None)
    held = code("LOT")
    await lot(production_engine, held, bread, "50", "pc", status=LotStatus.QUARANTINED)
    await lot(production_engine, held, bread, "50", "pc", revision=2)

    answer = await quote(api, bread, "20")

    assert answer["dominant"] == "stock"
