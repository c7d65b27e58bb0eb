""" "Can we make it?": starting now and the lead time of what is missing; pure."""

from __future__ import annotations

from decimal import Decimal

from services.production.recipes.availability import Supply, as_answer, assess
from services.production.recipes.recipe_rules import ItemInfo, Recipe, RecipeLine, explode
from shared.units import Quantity

ITEMS = {
    i.code: i
    for i in (
        ItemInfo("JAM", "pc", "finished_good"),
        ItemInfo("PULP", "kg", "intermediate"),
        ItemInfo("FRUIT", "kg", "raw_material"),
        ItemInfo("SUGAR", "kg", "raw_material"),
        ItemInfo("JAR", "pc", "packaging"),
    )
}
RECIPES = {
    "JAM": Recipe(
        "JAM",
        1,
        Decimal(10),
        "pc",
        Decimal(1),
        True,
        (RecipeLine("PULP", Decimal(2), "kg"), RecipeLine("JAR", Decimal(10), "pc")),
        60,
    ),
    "PULP": Recipe(
        "PULP",
        1,
        Decimal(1),
        "kg",
        Decimal(1),
        False,
        (RecipeLine("FRUIT", Decimal("800"), "g"), RecipeLine("SUGAR", Decimal("200"), "g")),
        30,
    ),
}
SUPPLY = {
    "FRUIT": Supply("Orchard", 3),
    "SUGAR": Supply("Sweet Co", 7),
    "JAR": Supply("Glassworks", 14),
}


def check(available: dict[str, str]):
    wanted = Quantity.of(20, "pc")
    explosion = explode(
        "JAM",
        wanted,
        items=ITEMS,
        recipes=RECIPES,
        available={k: Decimal(v) for k, v in available.items()},
    )
    return assess("JAM", wanted, explosion, SUPPLY)


def test_everything_in_stock_can_start_now_with_no_lead_time():
    result = check({"PULP": "4", "JAR": "20"})

    assert result.can_start_now
    assert result.material_lead_days is None


def test_a_missing_intermediate_is_made_and_its_materials_decide():
    result = check({"FRUIT": "10", "SUGAR": "0.1", "JAR": "20"})

    assert not result.can_start_now
    assert result.material_lead_days == 7  # sugar; pulp itself is made, jars are there
    answer = as_answer(result)
    by_item = {m["item_code"]: m for m in answer["materials"]}
    assert by_item["PULP"]["made"] == Decimal(4)
    assert by_item["SUGAR"]["short"] == Decimal("0.7")
    assert by_item["SUGAR"]["supplier"] == "Sweet Co"
    assert [p["item_code"] for p in answer["productions"]] == ["PULP", "JAM"]


def test_the_longest_lead_time_among_missing_materials_counts():
    result = check({})

    assert result.material_lead_days == 14
