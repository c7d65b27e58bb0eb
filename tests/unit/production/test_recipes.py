"""Recipes: validation, batch planning and multi-level explosion; pure domain, no I/O."""

from __future__ import annotations

import dataclasses
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.production.recipes.recipe_rules import (
    Explosion,
    ImpossibleConversion,
    InvalidQuantity,
    ItemInfo,
    MaterialNeed,
    Recipe,
    RecipeCycle,
    RecipeError,
    RecipeLine,
    Requirement,
    UnknownItem,
    batches,
    explode,
    plan_batches,
    requirements,
    validate,
)
from shared.units import Quantity

ITEMS = {
    item.code: item
    for item in (
        ItemInfo("BISCUIT-BOX", "pc", "finished_good"),
        ItemInfo("DOUGH", "kg", "intermediate"),
        ItemInfo("BOX-SMALL", "pc", "packaging"),
        ItemInfo("FLOUR", "kg", "raw_material"),
        ItemInfo("SUGAR", "kg", "raw_material"),
        ItemInfo("MILK", "ml", "raw_material"),
        ItemInfo("TART", "pc", "finished_good"),
        ItemInfo("CRUMBLE", "kg", "intermediate"),
        ItemInfo("CAKE", "pc", "finished_good"),
        ItemInfo("FILLING", "kg", "intermediate"),
        ItemInfo("GLAZE", "kg", "intermediate"),
    )
}


def q(text: str) -> Quantity:
    value, unit = text.split()
    return Quantity.of(value, unit)


def line(item_code: str, quantity: str) -> RecipeLine:
    value, unit = quantity.split()
    return RecipeLine(item_code=item_code, quantity=Decimal(value), unit=unit)


def recipe(
    item_code: str,
    batch: str,
    *lines: RecipeLine,
    expected_yield: str = "1",
    whole_batches: bool = False,
    version: int = 1,
) -> Recipe:
    size, unit = batch.split()
    return Recipe(
        item_code=item_code,
        version=version,
        batch_size=Decimal(size),
        unit=unit,
        expected_yield=Decimal(expected_yield),
        whole_batches=whole_batches,
        lines=lines,
        duration_minutes=90,
    )


BISCUITS = recipe(
    "BISCUIT-BOX",
    "100 pc",
    line("DOUGH", "2.5 kg"),
    line("BOX-SMALL", "100 pc"),
    expected_yield="0.8",
    whole_batches=True,
    version=3,
)
DOUGH = recipe(
    "DOUGH",
    "10 kg",
    line("FLOUR", "6 kg"),
    line("SUGAR", "3000 g"),
    line("MILK", "1 l"),
    version=7,
)
RECIPES = {"BISCUIT-BOX": BISCUITS, "DOUGH": DOUGH}
STOCK = {
    "FLOUR": Decimal("5"),
    "SUGAR": Decimal("10"),
    "MILK": Decimal("2000"),
    "BOX-SMALL": Decimal("450"),
}


def by_item(explosion: Explosion) -> dict[str, MaterialNeed]:
    return {m.item_code: m for m in explosion.materials}


# --- explosion ----------------------------------------------------------------------------


def test_explodes_three_levels_with_yield_batch_rounding_and_unit_conversions():
    wanted = q("380 pc")

    explosion = explode("BISCUIT-BOX", wanted, items=ITEMS, recipes=RECIPES, available=STOCK)

    [dough_run, biscuit_run] = explosion.productions
    assert (biscuit_run.item_code, biscuit_run.planned, biscuit_run.batches) == (
        "BISCUIT-BOX",
        q("500 pc"),  # 380 / 0.8 = 475, rounded up to 5 whole batches of 100
        Decimal(5),
    )
    assert (biscuit_run.recipe_version, biscuit_run.level) == (3, 0)
    assert (dough_run.item_code, dough_run.planned, dough_run.batches) == (
        "DOUGH",
        q("12.5 kg"),  # 5 batches × 2.5 kg, nothing in stock
        Decimal("1.25"),
    )
    assert (dough_run.recipe_version, dough_run.level) == (7, 1)
    needs = by_item(explosion)
    assert [(m.item_code, m.level) for m in explosion.materials] == [
        ("BOX-SMALL", 1),
        ("DOUGH", 1),
        ("FLOUR", 2),
        ("MILK", 2),
        ("SUGAR", 2),
    ]
    assert (needs["DOUGH"].needed, needs["DOUGH"].made) == (q("12.5 kg"), q("12.5 kg"))
    assert (needs["BOX-SMALL"].needed, needs["BOX-SMALL"].missing) == (q("500 pc"), q("50 pc"))
    assert (needs["FLOUR"].needed, needs["FLOUR"].missing) == (q("7.5 kg"), q("2.5 kg"))
    assert (needs["SUGAR"].needed, needs["SUGAR"].missing) == (q("3.75 kg"), q("0 kg"))
    assert (needs["MILK"].needed, needs["MILK"].missing) == (q("1250 ml"), q("0 ml"))
    assert [m.item_code for m in explosion.shortages] == ["BOX-SMALL", "FLOUR"]


def test_dough_in_stock_is_used_before_more_dough_is_made():
    stock = {**STOCK, "DOUGH": Decimal("4.5")}

    explosion = explode("BISCUIT-BOX", q("380 pc"), items=ITEMS, recipes=RECIPES, available=stock)

    needs = by_item(explosion)
    dough = needs["DOUGH"]
    assert (dough.needed, dough.available, dough.missing, dough.made) == (
        q("12.5 kg"),
        q("4.5 kg"),
        q("8 kg"),
        q("8 kg"),
    )
    assert dough.short == q("0 kg")
    assert [(p.item_code, p.planned, p.batches) for p in explosion.productions] == [
        ("DOUGH", q("8 kg"), Decimal("0.8")),
        ("BISCUIT-BOX", q("500 pc"), Decimal(5)),
    ]
    assert needs["FLOUR"].needed == q("4.8 kg")
    assert needs["SUGAR"].needed == q("2.4 kg")
    assert needs["MILK"].needed == q("800 ml")
    assert [m.item_code for m in explosion.shortages] == ["BOX-SMALL"]


def test_enough_dough_in_stock_plans_no_dough_and_needs_none_of_its_materials():
    stock = {**STOCK, "DOUGH": Decimal("20"), "BOX-SMALL": Decimal("500")}

    explosion = explode("BISCUIT-BOX", q("380 pc"), items=ITEMS, recipes=RECIPES, available=stock)

    assert [p.item_code for p in explosion.productions] == ["BISCUIT-BOX"]
    assert [m.item_code for m in explosion.materials] == ["BOX-SMALL", "DOUGH"]
    assert by_item(explosion)["DOUGH"].made == q("0 kg")
    assert explosion.shortages == ()


def test_stock_of_an_item_needed_on_two_levels_is_used_once_and_made_in_one_run():
    tart = recipe("TART", "10 pc", line("DOUGH", "1 kg"), line("CRUMBLE", "2 kg"))
    crumble = recipe("CRUMBLE", "1 kg", line("DOUGH", "0.5 kg"), line("SUGAR", "500 g"))
    recipes = {"TART": tart, "CRUMBLE": crumble, "DOUGH": DOUGH}
    stock = {"DOUGH": Decimal("1.5")}

    explosion = explode("TART", q("10 pc"), items=ITEMS, recipes=recipes, available=stock)

    dough = by_item(explosion)["DOUGH"]
    assert (dough.needed, dough.available, dough.made, dough.level) == (
        q("2 kg"),  # 1 kg for the tart itself + 1 kg for its 2 kg of crumble
        q("1.5 kg"),
        q("0.5 kg"),
        2,
    )
    assert [(p.item_code, p.planned, p.level) for p in explosion.productions] == [
        ("DOUGH", q("0.5 kg"), 2),
        ("CRUMBLE", q("2 kg"), 1),
        ("TART", q("10 pc"), 0),
    ]
    assert by_item(explosion)["FLOUR"].needed == q("0.3 kg")
    assert by_item(explosion)["SUGAR"].needed == q("1.15 kg")  # 1 kg crumble + 0.15 kg dough


def test_an_item_needed_at_two_depths_is_planned_at_the_deepest_before_its_users():
    cake = recipe("CAKE", "1 pc", line("FILLING", "1 kg"), line("CRUMBLE", "1 kg"))
    filling = recipe("FILLING", "1 kg", line("DOUGH", "1 kg"))
    crumble = recipe("CRUMBLE", "1 kg", line("GLAZE", "1 kg"))
    glaze = recipe("GLAZE", "1 kg", line("DOUGH", "1 kg"))
    recipes = {"CAKE": cake, "FILLING": filling, "CRUMBLE": crumble, "GLAZE": glaze, "DOUGH": DOUGH}

    explosion = explode("CAKE", q("1 pc"), items=ITEMS, recipes=recipes, available={})

    assert [(p.item_code, p.level) for p in explosion.productions] == [
        ("DOUGH", 3),
        ("GLAZE", 2),
        ("CRUMBLE", 1),
        ("FILLING", 1),
        ("CAKE", 0),
    ]
    assert by_item(explosion)["DOUGH"].needed == q("2 kg")


def test_the_wanted_quantity_may_be_given_in_another_unit_of_the_recipe():
    explosion = explode("DOUGH", q("2500 g"), items=ITEMS, recipes=RECIPES, available={})

    assert [(p.planned, p.batches) for p in explosion.productions] == [
        (q("2.5 kg"), Decimal("0.25"))
    ]
    assert by_item(explosion)["MILK"].needed == q("250 ml")


def test_an_item_without_recipe_cannot_be_exploded():
    with pytest.raises(RecipeError, match="FLOUR has no active recipe"):
        explode("FLOUR", q("1 kg"), items=ITEMS, recipes=RECIPES, available={})


def test_explosion_refuses_a_cycle_among_stored_recipes():
    looping = recipe("DOUGH", "10 kg", line("BISCUIT-BOX", "1 pc"))

    with pytest.raises(RecipeCycle, match="BISCUIT-BOX → DOUGH → BISCUIT-BOX"):
        explode(
            "BISCUIT-BOX",
            q("100 pc"),
            items=ITEMS,
            recipes={**RECIPES, "DOUGH": looping},
            available={},
        )


# --- one level: planning and requirements -------------------------------------------------


def test_whole_batches_round_the_plan_up_to_the_next_batch():
    bread = recipe("DOUGH", "10 kg", line("FLOUR", "6 kg"), whole_batches=True)

    planned = plan_batches(bread, q("10.001 kg"))

    assert planned == q("20 kg")
    assert batches(bread, planned) == Decimal(2)


def test_whole_batches_plan_an_exact_multiple_as_is():
    bread = recipe("DOUGH", "10 kg", line("FLOUR", "6 kg"), whole_batches=True)

    planned = plan_batches(bread, q("30 kg"))

    assert planned == q("30 kg")


def test_without_whole_batches_the_plan_is_not_rounded():
    bread = recipe("DOUGH", "10 kg", line("FLOUR", "6 kg"), expected_yield="0.8")

    planned = plan_batches(bread, q("10.001 kg"))

    assert planned == q("12.50125 kg")
    assert batches(bread, planned) == Decimal("1.250125")


def test_a_yield_that_does_not_divide_evenly_rounds_the_plan_up_in_its_last_digit():
    dough = recipe("DOUGH", "10 kg", line("FLOUR", "6 kg"), expected_yield="0.9")

    planned = plan_batches(dough, q("100 kg"))

    assert planned == q("111.1111111111111111111111112 kg")  # 100 / 0.9, never 111.…111


def test_requirements_scale_the_lines_and_merge_them_in_base_units():
    mixed = recipe("DOUGH", "10 kg", line("SUGAR", "3 kg"), line("SUGAR", "500 g"))

    needs = requirements(mixed, q("25 kg"), ITEMS)

    assert needs == (Requirement("SUGAR", q("8.75 kg")),)


def test_requirements_include_the_yield_allowance_already_in_the_plan():
    planned = plan_batches(BISCUITS, q("80 pc"))

    needs = requirements(BISCUITS, planned, ITEMS)

    assert planned == q("100 pc")
    assert needs == (
        Requirement("DOUGH", q("2.5 kg")),
        Requirement("BOX-SMALL", q("100 pc")),
    )


def test_a_plan_in_a_unit_of_another_dimension_is_refused():
    with pytest.raises(ImpossibleConversion, match="cannot convert pc to kg"):
        plan_batches(DOUGH, q("3 pc"))


def test_a_negative_wanted_quantity_is_refused():
    with pytest.raises(InvalidQuantity, match="DOUGH"):
        plan_batches(DOUGH, q("-1 kg"))


# --- validation ---------------------------------------------------------------------------


def test_a_sound_recipe_passes_validation():
    validate(BISCUITS, ITEMS, RECIPES)


def test_refuses_a_two_level_cycle_naming_the_path():
    cake = recipe("CAKE", "10 pc", line("FILLING", "1 kg"))
    filling = recipe("FILLING", "1 kg", line("CAKE", "1 pc"))

    with pytest.raises(RecipeCycle, match="CAKE → FILLING → CAKE"):
        validate(cake, ITEMS, {"FILLING": filling})


def test_refuses_a_three_level_cycle_naming_the_path():
    cake = recipe("CAKE", "10 pc", line("DOUGH", "1 kg"))
    dough = recipe("DOUGH", "10 kg", line("FILLING", "1 kg"))
    filling = recipe("FILLING", "1 kg", line("CAKE", "1 pc"))

    with pytest.raises(RecipeCycle, match="CAKE → DOUGH → FILLING → CAKE"):
        validate(cake, ITEMS, {"DOUGH": dough, "FILLING": filling})


def test_a_new_version_that_closes_a_cycle_is_refused():
    cake = recipe("CAKE", "10 pc", line("FILLING", "1 kg"))
    filling_v2 = recipe("FILLING", "1 kg", line("CAKE", "1 pc"), version=2)

    with pytest.raises(RecipeCycle, match="FILLING → CAKE → FILLING"):
        validate(filling_v2, ITEMS, {"CAKE": cake})


def test_a_new_version_replaces_the_old_one_when_looking_for_cycles():
    filling_v1 = recipe("FILLING", "1 kg", line("CAKE", "1 pc"))
    cake = recipe("CAKE", "10 pc", line("FILLING", "1 kg"))
    filling_v2 = recipe("FILLING", "1 kg", line("SUGAR", "1 kg"), version=2)

    validate(filling_v2, ITEMS, {"CAKE": cake, "FILLING": filling_v1})


def test_refuses_a_line_that_uses_the_item_it_makes():
    cake = recipe("CAKE", "10 pc", line("SUGAR", "1 kg"), line("CAKE", "1 pc"))

    with pytest.raises(RecipeCycle, match="CAKE → CAKE"):
        validate(cake, ITEMS, {})


def test_refuses_a_line_item_nobody_knows():
    cake = recipe("CAKE", "10 pc", line("UNICORN-DUST", "1 g"))

    with pytest.raises(UnknownItem, match="UNICORN-DUST"):
        validate(cake, ITEMS, {})


def test_refuses_a_recipe_for_an_unknown_output_item():
    mystery = recipe("MYSTERY-BAR", "10 pc", line("SUGAR", "1 kg"))

    with pytest.raises(UnknownItem, match="MYSTERY-BAR"):
        validate(mystery, ITEMS, {})


def test_refuses_a_line_in_pieces_for_an_item_counted_in_kilograms():
    cake = recipe("CAKE", "10 pc", line("FLOUR", "2 pc"))

    with pytest.raises(ImpossibleConversion, match=r"line FLOUR: pc .* kg"):
        validate(cake, ITEMS, {})


def test_refuses_a_line_in_a_unit_nobody_knows():
    cake = recipe("CAKE", "10 pc", line("SUGAR", "2 oz"))

    with pytest.raises(ImpossibleConversion, match="line SUGAR: oz"):
        validate(cake, ITEMS, {})


def test_refuses_a_batch_in_grams_for_an_item_counted_in_pieces():
    cake = recipe("CAKE", "500 g", line("SUGAR", "1 kg"))

    with pytest.raises(ImpossibleConversion, match="CAKE makes g"):
        validate(cake, ITEMS, {})


@pytest.mark.parametrize("quantity", ["0 kg", "-1 kg"])
def test_refuses_a_non_positive_line_quantity_naming_the_line(quantity):
    cake = recipe("CAKE", "10 pc", line("FLOUR", "1 kg"), line("SUGAR", quantity))

    with pytest.raises(InvalidQuantity, match="line SUGAR"):
        validate(cake, ITEMS, {})


@pytest.mark.parametrize("batch", ["0 pc", "-10 pc"])
def test_refuses_a_non_positive_batch_size(batch):
    cake = recipe("CAKE", batch, line("SUGAR", "1 kg"))

    with pytest.raises(InvalidQuantity, match="CAKE: batch size"):
        validate(cake, ITEMS, {})


@pytest.mark.parametrize("expected_yield", ["0", "-0.5", "1.01"])
def test_refuses_a_yield_outside_zero_to_one(expected_yield):
    cake = recipe("CAKE", "10 pc", line("SUGAR", "1 kg"), expected_yield=expected_yield)

    with pytest.raises(InvalidQuantity, match="expected yield"):
        validate(cake, ITEMS, {})


def test_refuses_a_recipe_without_lines():
    cake = dataclasses.replace(recipe("CAKE", "10 pc", line("SUGAR", "1 kg")), lines=())

    with pytest.raises(RecipeError, match="CAKE has no lines"):
        validate(cake, ITEMS, {})


# --- properties ---------------------------------------------------------------------------

wanted_values = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3, allow_nan=False
)
yields = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1"), places=2)
batch_sizes = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("5000"), places=1)


@given(wanted=wanted_values, expected_yield=yields, batch_size=batch_sizes, whole=st.booleans())
def test_the_plan_always_covers_the_wanted_good_output(wanted, expected_yield, batch_size, whole):
    plan = dataclasses.replace(
        DOUGH, batch_size=batch_size, expected_yield=expected_yield, whole_batches=whole
    )

    planned = plan_batches(plan, Quantity.of(wanted, "kg"))

    with localcontext() as exact:
        exact.prec = 100
        assert planned.value * expected_yield >= wanted  # planned ≥ wanted / yield
        if whole:
            assert planned.value % batch_size == 0
            assert (planned.value - batch_size) * expected_yield < wanted  # not a batch too many
            assert batches(plan, planned) == batches(plan, planned).to_integral_value()
