"""Production orders against the real PostgreSQL: planned once however often the cause is
delivered, blocked and unblocked by inventory's answers, combined, split and cancelled.

Every test makes its own items (unique codes), so tests share the database safely.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.production import read_models
from services.production import tables as t
from services.production.order_changes import cancellation
from services.production.production_orders import inventory_answers, planning, views
from services.production.production_orders.domain import IllegalTransition, PlanningRefused
from services.production.recipes import recipe_book
from services.production.recipes.recipe_rules import RecipeLine
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import (
    ItemDefined,
    MaterialLot,
    MaterialShortage,
    MaterialsReserved,
    MaterialsShort,
    Shortage,
    StockShort,
)
from shared.contracts.orders import OrderCancelled
from shared.units import Quantity

PLANNED = "production.production_order_planned"
STATUS = "production.production_order_status_changed"
DEMANDS = "production.production_order_demands_changed"
REQUESTED = "production.materials_requested"


def code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


@dataclass(frozen=True)
class Jam:
    """JAM (24 jars a batch, whole batches) ← PULP (10 kg batches) ← FRUIT, SUGAR; JAR."""

    jam: str
    pulp: str
    fruit: str
    sugar: str
    jar: str


async def define(engine: AsyncEngine, item: str, unit: str, kind: str, **more: Any) -> None:
    event = ItemDefined(code=item, name=item.title(), kind=kind, base_unit=unit, **more)
    await apply_once(engine, read_models.when_item_defined, Envelope.wrap(event), event)


async def jam_world(engine: AsyncEngine, *, pulp_recipe: bool = True) -> Jam:
    w = Jam(code("JAM"), code("PULP"), code("FRUIT"), code("SUGAR"), code("JAR"))
    await define(engine, w.jam, "pc", "finished_good", shelf_life_days=180)
    await define(engine, w.pulp, "kg", "intermediate", shelf_life_days=7)
    await define(engine, w.fruit, "kg", "raw_material", supplier="Orchard", lead_time_days=3)
    await define(engine, w.sugar, "kg", "raw_material", supplier="Sweet Co", lead_time_days=5)
    await define(engine, w.jar, "pc", "packaging", supplier="Glassworks", lead_time_days=14)
    if pulp_recipe:
        await recipe_book.define_recipe(
            engine,
            recipe_book.NewRecipe(
                w.pulp,
                Decimal(10),
                "kg",
                Decimal(1),
                True,
                45,
                (RecipeLine(w.fruit, Decimal(8), "kg"), RecipeLine(w.sugar, Decimal(2000), "g")),
            ),
        )
    await recipe_book.define_recipe(
        engine,
        recipe_book.NewRecipe(
            w.jam,
            Decimal(24),
            "pc",
            Decimal(1),
            True,
            90,
            (RecipeLine(w.pulp, Decimal("4.8"), "kg"), RecipeLine(w.jar, Decimal(24), "pc")),
        ),
    )
    return w


def short(order_id: UUID, *lines: tuple[int, str, str]) -> StockShort:
    return StockShort(
        order_id=order_id,
        reservations=(),
        shortages=tuple(
            Shortage(
                line_no=no,
                item_code=item,
                requested=Quantity.of(missing, "pc"),
                reserved=Quantity.zero("pc"),
                missing=Quantity.of(missing, "pc"),
            )
            for no, item, missing in lines
        ),
    )


async def deliver_short(engine: AsyncEngine, event: StockShort) -> None:
    await apply_once(engine, planning.plan_for_stock_short, Envelope.wrap(event), event)


async def staged(
    engine: AsyncEngine, production_order_id: UUID
) -> list[tuple[str, dict[str, Any]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.event_type, t.OUTBOX.c.envelope)
            .where(t.OUTBOX.c.key == str(production_order_id))
            .order_by(t.OUTBOX.c.id)
        )
        return [(r.event_type, r.envelope["payload"]) for r in rows]


async def detail(engine: AsyncEngine, production_order_id: UUID) -> dict[str, Any]:
    async with engine.connect() as conn:
        [found] = await views.find_production_orders(conn, ids=[production_order_id])
    return found


async def outbox_size(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(t.OUTBOX)) or 0)


async def planned_for(engine: AsyncEngine, order_id: UUID, item: str) -> UUID:
    event = short(order_id, (1, item, "30"))
    await deliver_short(engine, event)
    return planning.make_to_order_id(order_id, item)


async def test_a_stock_short_plans_a_whole_batch_order_and_stages_it_once(production_engine):
    w = await jam_world(production_engine)
    order_id = uuid.uuid4()
    event = short(order_id, (1, w.jam, "30"))
    envelope = Envelope.wrap(event)

    for _ in range(3):
        await apply_once(production_engine, planning.plan_for_stock_short, envelope, event)
    await apply_once(production_engine, planning.plan_for_stock_short, Envelope.wrap(event), event)

    po_id = planning.make_to_order_id(order_id, w.jam)
    found = await detail(production_engine, po_id)
    assert (found["status"], found["quantity"], found["recipe_version"]) == (
        "planned",
        Decimal(48),
        1,
    )
    assert found["batches"] == Decimal(2)
    assert [(d["order_id"], d["line_no"], d["quantity"]) for d in found["demands"]] == [
        (order_id, 1, Decimal(30))
    ]
    events = await staged(production_engine, po_id)
    assert [e for e, _ in events] == [PLANNED, STATUS, REQUESTED]
    planned, born, requested = (p for _, p in events)
    assert planned["recipe_version"] == 1
    assert planned["quantity"] == {"value": "48", "unit": "pc"}
    assert (born["previous"], born["status"]) == (None, "planned")
    assert {m["item_code"]: m["quantity"] for m in requested["materials"]} == {
        w.pulp: {"value": "9.6", "unit": "kg"},
        w.jar: {"value": "48", "unit": "pc"},
    }


async def test_an_item_without_recipe_is_planned_with_the_reason_and_requests_nothing(
    production_engine,
):
    soap = code("SOAP")
    await define(production_engine, soap, "pc", "finished_good")
    order_id = uuid.uuid4()

    await deliver_short(production_engine, short(order_id, (1, soap, "3"), (2, soap, "2")))

    po_id = planning.make_to_order_id(order_id, soap)
    found = await detail(production_engine, po_id)
    assert (found["status"], found["quantity"], found["reason"]) == (
        "planned",
        Decimal(5),
        f"no active recipe for {soap}",
    )
    events = await staged(production_engine, po_id)
    assert [e for e, _ in events] == [PLANNED, STATUS]
    assert events[1][1]["reason"] == f"no active recipe for {soap}"


def kg(value: str) -> Quantity:
    return Quantity.of(value, "kg")


def materials_short(po_id: UUID, *missing: tuple[str, str]) -> MaterialsShort:
    return MaterialsShort(
        production_order_id=po_id,
        shortages=tuple(
            MaterialShortage(
                item_code=item, needed=kg(q), available=kg("0"), missing=kg(q), lead_time_days=5
            )
            for item, q in missing
        ),
    )


async def children_of(engine: AsyncEngine, parent: UUID) -> list[dict[str, Any]]:
    return list((await detail(engine, parent))["children"])


async def test_materials_short_of_an_intermediate_plans_one_child_order(production_engine):
    w = await jam_world(production_engine)
    parent = await planned_for(production_engine, uuid.uuid4(), w.jam)
    event = materials_short(parent, (w.pulp, "9.6"), (w.sugar, "1"))
    envelope = Envelope.wrap(event)

    await apply_once(production_engine, inventory_answers.when_materials_short, envelope, event)
    await apply_once(production_engine, inventory_answers.when_materials_short, envelope, event)
    again = materials_short(parent, (w.pulp, "9.6"))
    await apply_once(
        production_engine, inventory_answers.when_materials_short, Envelope.wrap(again), again
    )

    found = await detail(production_engine, parent)
    assert found["status"] == "blocked_on_materials"
    assert [s["item_code"] for s in found["shortages"]] == [w.pulp]  # the newest answer
    [child] = found["children"]
    assert (child["item_code"], child["quantity"], child["status"]) == (
        w.pulp,
        Decimal(10),
        "planned",
    )
    child_detail = await detail(production_engine, child["id"])
    assert child_detail["parent_production_order_id"] == parent
    assert child_detail["demands"] == []
    child_events = await staged(production_engine, child["id"])
    assert [e for e, _ in child_events] == [PLANNED, STATUS, REQUESTED]
    assert child_events[0][1]["parent_production_order_id"] == str(parent)
    parent_events = await staged(production_engine, parent)
    blocked = [p for e, p in parent_events if e == STATUS and p["status"] == "blocked_on_materials"]
    assert len(blocked) == 2  # blocked, then still blocked by fewer shortages
    assert blocked[0]["shortages"][0]["item_code"] in {w.pulp, w.sugar}
    assert blocked[0]["demands"][0]["quantity"] == {"value": "30", "unit": "pc"}


async def test_planning_reads_only_the_short_items_recipes_and_the_items_they_name(
    production_engine,
):
    w = await jam_world(production_engine)
    other = await jam_world(production_engine)  # recipes and items a shortage of JAM never needs

    async with production_engine.connect() as conn:
        recipes, items = await planning.planning_context(conn, [w.jam, w.jar])
        assert set(recipes) == {w.jam}  # a jar is bought: it has no recipe
        assert set(items) == {w.pulp, w.jar}
        assert items[w.pulp].base_unit == "kg"
        recipes, items = await planning.planning_context(conn, [w.pulp])
        assert set(recipes) == {w.pulp}
        assert [line.item_code for line in recipes[w.pulp].lines] == [w.fruit, w.sugar]
        assert set(items) == {w.fruit, w.sugar}
        assert await planning.planning_context(conn, []) == ({}, {})
        known = await read_models.item_infos(conn, [w.sugar, other.sugar, code("NOWHERE")])
        assert set(known) == {w.sugar, other.sugar}

    # Two levels down: JAM's order asks for PULP; PULP short makes a child that asks for
    # FRUIT and SUGAR (grams in the recipe, kilograms as SUGAR is counted).
    order_id = uuid.uuid4()
    parent = await planned_for(production_engine, order_id, w.jam)
    event = materials_short(parent, (w.pulp, "9.6"))
    await apply_once(
        production_engine, inventory_answers.when_materials_short, Envelope.wrap(event), event
    )
    found = await detail(production_engine, parent)
    assert [(d["order_id"], d["line_no"]) for d in found["demands"]] == [(order_id, 1)]
    [child] = found["children"]
    child_events = await staged(production_engine, child["id"])
    assert [e for e, _ in child_events] == [PLANNED, STATUS, REQUESTED]
    assert child_events[0][1]["parent_production_order_id"] == str(parent)
    asked = {
        m["item_code"]: Quantity.of(m["quantity"]["value"], m["quantity"]["unit"])
        for m in child_events[2][1]["materials"]
    }
    assert asked == {w.fruit: kg("8"), w.sugar: kg("2")}


async def test_materials_reserved_unblocks_and_keeps_the_held_lots(production_engine):
    w = await jam_world(production_engine)
    po_id = await planned_for(production_engine, uuid.uuid4(), w.jam)
    short_event = materials_short(po_id, (w.jar, "48"))
    await apply_once(
        production_engine,
        inventory_answers.when_materials_short,
        Envelope.wrap(short_event),
        short_event,
    )
    reserved = MaterialsReserved(
        production_order_id=po_id,
        reservations=(
            MaterialLot(item_code=w.pulp, lot_code=f"{w.pulp}-1", quantity=kg("9.6")),
            MaterialLot(item_code=w.jar, lot_code=f"{w.jar}-1", quantity=Quantity.of(48, "pc")),
        ),
    )

    await apply_once(
        production_engine,
        inventory_answers.when_materials_reserved,
        Envelope.wrap(reserved),
        reserved,
    )

    found = await detail(production_engine, po_id)
    assert found["status"] == "materials_reserved"
    assert found["shortages"] == []
    assert {r["lot_code"] for r in found["reserved_lots"]} == {f"{w.pulp}-1", f"{w.jar}-1"}
    assert [h["status"] for h in found["history"]] == [
        "planned",
        "blocked_on_materials",
        "materials_reserved",
    ]


async def test_combining_plans_one_order_for_the_summed_demand_and_cancels_the_old_ones(
    production_engine,
):
    w = await jam_world(production_engine)
    a, b = uuid.uuid4(), uuid.uuid4()
    await deliver_short(production_engine, short(a, (1, w.jam, "10")))
    await deliver_short(production_engine, short(b, (1, w.jam, "20")))
    first, second = planning.make_to_order_id(a, w.jam), planning.make_to_order_id(b, w.jam)

    new_id = await planning.combine(production_engine, [first, second])

    combined = await detail(production_engine, new_id)
    assert (combined["status"], combined["quantity"]) == ("planned", Decimal(48))
    assert [(d["order_id"], d["quantity"]) for d in combined["demands"]] == [
        (a, Decimal(10)),
        (b, Decimal(20)),
    ]
    assert [e for e, _ in await staged(production_engine, new_id)] == [PLANNED, STATUS, REQUESTED]
    for old in (first, second):
        found = await detail(production_engine, old)
        assert (found["status"], found["reason"], found["demands"]) == (
            "cancelled",
            f"combined into {combined['number']}",
            [],
        )
        events = await staged(production_engine, old)
        assert [e for e, _ in events][-2:] == [DEMANDS, STATUS]
        assert events[-2][1]["demands"] == []


async def test_combine_refuses_a_started_order_and_changes_nothing(production_engine):
    w = await jam_world(production_engine)
    a, b = uuid.uuid4(), uuid.uuid4()
    first, second = (
        await planned_for(production_engine, a, w.jam),
        await planned_for(production_engine, b, w.jam),
    )
    async with production_engine.begin() as conn:
        await conn.execute(
            t.production_order.update()
            .where(t.production_order.c.id == second)
            .values(status="in_progress")
        )
    before = await outbox_size(production_engine)

    with pytest.raises(IllegalTransition, match="is in_progress"):
        await planning.combine(production_engine, [first, second])
    with pytest.raises(PlanningRefused, match="at least two"):
        await planning.combine(production_engine, [first, first])

    assert (await detail(production_engine, first))["status"] == "planned"
    assert await outbox_size(production_engine) == before


async def test_splitting_moves_lines_to_a_new_order_and_replans_both(production_engine):
    w = await jam_world(production_engine)
    order_id = uuid.uuid4()
    await deliver_short(production_engine, short(order_id, (1, w.jam, "10"), (2, w.jam, "20")))
    original = planning.make_to_order_id(order_id, w.jam)
    reserved = MaterialsReserved(production_order_id=original, reservations=())
    await apply_once(
        production_engine,
        inventory_answers.when_materials_reserved,
        Envelope.wrap(reserved),
        reserved,
    )

    new_id = await planning.split(production_engine, original, [(order_id, 2)])

    kept = await detail(production_engine, original)
    moved = await detail(production_engine, new_id)
    assert (kept["status"], kept["quantity"]) == ("planned", Decimal(24))
    assert [d["line_no"] for d in kept["demands"]] == [1]
    assert (moved["status"], moved["quantity"]) == ("planned", Decimal(24))
    assert [(d["line_no"], d["quantity"]) for d in moved["demands"]] == [(2, Decimal(20))]
    original_events = [e for e, _ in await staged(production_engine, original)]
    assert original_events[-3:] == [DEMANDS, STATUS, REQUESTED]
    assert [e for e, _ in await staged(production_engine, new_id)] == [PLANNED, STATUS, REQUESTED]
    async with production_engine.connect() as conn:
        served = await views.find_production_orders(conn, order_id=order_id)
    assert {p["id"] for p in served} == {original, new_id}


async def test_a_split_of_every_line_is_refused_and_changes_nothing(production_engine):
    w = await jam_world(production_engine)
    order_id = uuid.uuid4()
    po_id = await planned_for(production_engine, order_id, w.jam)
    before = await outbox_size(production_engine)

    with pytest.raises(PlanningRefused, match="empty"):
        await planning.split(production_engine, po_id, [(order_id, 1)])

    assert await outbox_size(production_engine) == before
    assert len((await detail(production_engine, po_id))["demands"]) == 1


async def cancel_order(engine: AsyncEngine, order_id: UUID) -> None:
    event = OrderCancelled(order_id=order_id, reason="customer changed their mind")
    await apply_once(engine, cancellation.when_order_cancelled, Envelope.wrap(event), event)


async def test_a_cancelled_order_cancels_production_serving_only_it_but_not_shared_production(
    production_engine,
):
    w = await jam_world(production_engine)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    only_a = await planned_for(production_engine, a, w.jam)
    await deliver_short(production_engine, short(b, (1, w.jam, "5")))
    await deliver_short(production_engine, short(c, (1, w.jam, "6")))
    shared = await planning.combine(
        production_engine,
        [planning.make_to_order_id(b, w.jam), planning.make_to_order_id(c, w.jam)],
    )
    child_short = materials_short(only_a, (w.pulp, "9.6"))
    await apply_once(
        production_engine,
        inventory_answers.when_materials_short,
        Envelope.wrap(child_short),
        child_short,
    )
    [child] = await children_of(production_engine, only_a)

    await cancel_order(production_engine, a)
    await cancel_order(production_engine, b)

    gone = await detail(production_engine, only_a)
    assert (gone["status"], gone["demands"]) == ("cancelled", [])
    assert gone["reason"] == f"order {a} cancelled"
    assert (await detail(production_engine, child["id"]))["status"] == "cancelled"
    kept = await detail(production_engine, shared)
    assert kept["status"] == "planned"
    assert [d["order_id"] for d in kept["demands"]] == [c]
    shared_events = await staged(production_engine, shared)
    assert shared_events[-1][0] == DEMANDS
    assert [d["order_id"] for d in shared_events[-1][1]["demands"]] == [str(c)]


async def test_an_order_planned_without_recipe_is_planned_again_once_one_exists(
    production_engine,
):
    soap, oil = code("SOAP"), code("OIL")
    await define(production_engine, soap, "pc", "finished_good")
    await define(production_engine, oil, "l", "raw_material")
    po_id = await planned_for(production_engine, uuid.uuid4(), soap)
    await recipe_book.define_recipe(
        production_engine,
        recipe_book.NewRecipe(
            soap, Decimal(25), "pc", Decimal(1), True, 20, (RecipeLine(oil, Decimal(2), "l"),)
        ),
    )

    await planning.replan(production_engine, po_id)

    found = await detail(production_engine, po_id)
    assert (found["quantity"], found["recipe_version"], found["reason"]) == (Decimal(50), 1, None)
    assert [(m["item_code"], m["quantity"]) for m in found["materials"]] == [(oil, Decimal(4))]
    events = await staged(production_engine, po_id)
    assert [e for e, _ in events][-2:] == [DEMANDS, REQUESTED]
    assert events[-2][1]["quantity"] == {"value": "50", "unit": "pc"}
