"""Make-to-order planning, intermediates, combining and splitting: pure, no I/O."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.production.production_orders import domain
from services.production.recipes.recipe_rules import ItemInfo, Recipe, RecipeLine
from shared.contracts.inventory import MaterialShortage, Shortage
from shared.contracts.production import (
    Demand,
    MaterialsRequested,
    ProductionOrderPlanned,
    ProductionOrderStatusChanged,
    ProductionStatus,
)
from shared.units import Quantity

S = ProductionStatus

ITEMS = {
    i.code: i
    for i in (
        ItemInfo("JAM", "pc", "finished_good"),
        ItemInfo("FRUIT", "kg", "raw_material"),
        ItemInfo("SUGAR", "kg", "raw_material"),
        ItemInfo("JAR", "pc", "packaging"),
        ItemInfo("PULP", "kg", "intermediate"),
    )
}

JAM = Recipe(
    item_code="JAM",
    version=3,
    batch_size=Decimal(24),
    unit="pc",
    expected_yield=Decimal(1),
    whole_batches=True,
    lines=(
        RecipeLine("PULP", Decimal("4.8"), "kg"),
        RecipeLine("SUGAR", Decimal("1200"), "g"),
        RecipeLine("JAR", Decimal(24), "pc"),
    ),
    duration_minutes=90,
)


def pc(value: str) -> Quantity:
    return Quantity.of(value, "pc")


def shortage(line_no: int, item: str, missing: str) -> Shortage:
    return Shortage(
        line_no=line_no,
        item_code=item,
        requested=pc(missing),
        reserved=pc("0"),
        missing=pc(missing),
    )


def demand(order_id: UUID, line_no: int, quantity: str) -> Demand:
    return Demand(order_id=order_id, line_no=line_no, quantity=pc(quantity))


def po(*demands: Demand, status: ProductionStatus = S.PLANNED, item: str = "JAM"):
    return domain.ProductionOrder(
        id=uuid4(), item_code=item, quantity=pc("24"), status=status, demands=demands
    )


def test_one_group_per_short_item_covering_all_its_lines():
    order_id = uuid4()

    groups = domain.group_shortages(
        order_id, [shortage(1, "SOAP", "3"), shortage(2, "OIL", "1"), shortage(3, "SOAP", "2")]
    )

    by_item = {g.item_code: g for g in groups}
    assert set(by_item) == {"SOAP", "OIL"}
    assert by_item["SOAP"].wanted == pc("5")
    assert [(d.line_no, d.quantity.value) for d in by_item["SOAP"].demands] == [
        (1, Decimal(3)),
        (3, Decimal(2)),
    ]
    assert all(d.order_id == order_id for g in groups for d in g.demands)
    assert {g.key for g in groups} == {"SOAP", "OIL"}


def test_nothing_missing_plans_nothing():
    assert domain.group_shortages(uuid4(), [shortage(1, "SOAP", "0")]) == []


def test_a_recipe_plans_whole_batches_and_requests_one_level_of_materials():
    plan = domain.plan("JAM", pc("30"), JAM, ITEMS)

    assert plan.quantity == pc("48")
    assert plan.batches == Decimal(2)
    assert plan.recipe_version == 3
    assert plan.reason is None
    assert {m.item_code: m.quantity for m in plan.materials} == {
        "PULP": Quantity.of("9.6", "kg"),
        "SUGAR": Quantity.of("2.4", "kg"),
        "JAR": pc("48"),
    }


def test_without_a_recipe_the_wanted_quantity_is_planned_with_the_reason_and_no_materials():
    plan = domain.plan("JAM", pc("7"), None, ITEMS)

    assert (plan.quantity, plan.recipe_version, plan.materials) == (pc("7"), None, ())
    assert plan.reason == "no active recipe for JAM"


def test_a_quantity_the_recipe_cannot_plan_is_planned_as_wanted_with_the_reason():
    plan = domain.plan("JAM", Quantity.of("2", "kg"), JAM, ITEMS)

    assert plan.materials == ()
    assert plan.reason is not None and "cannot plan JAM with recipe v3" in plan.reason


def test_a_new_order_announces_planned_born_planned_and_its_materials_in_that_order():
    order_id = uuid4()
    plan = domain.plan("JAM", pc("30"), JAM, ITEMS)

    new = domain.new_production_order(uuid4(), "JAM", [demand(order_id, 1, "30")], plan)
    events = new.events()

    assert [type(e) for e in events] == [
        ProductionOrderPlanned,
        ProductionOrderStatusChanged,
        MaterialsRequested,
    ]
    planned, born, requested = events
    assert isinstance(planned, ProductionOrderPlanned)
    assert (planned.quantity, planned.recipe_version) == (pc("48"), 3)
    assert isinstance(born, ProductionOrderStatusChanged)
    assert (born.previous, born.status, born.demands) == (None, S.PLANNED, planned.demands)
    assert isinstance(requested, MaterialsRequested)
    assert len(requested.materials) == 3


def test_an_order_planned_without_recipe_requests_nothing_and_says_why():
    new = domain.new_production_order(
        uuid4(), "JAM", [demand(uuid4(), 1, "5")], domain.plan("JAM", pc("5"), None, ITEMS)
    )

    events = new.events()

    assert [type(e) for e in events] == [ProductionOrderPlanned, ProductionOrderStatusChanged]
    born = events[1]
    assert isinstance(born, ProductionOrderStatusChanged)
    assert born.reason == "no active recipe for JAM"


def kg_shortage(item: str, missing: str) -> MaterialShortage:
    q = Quantity.of(missing, "kg")
    return MaterialShortage(
        item_code=item, needed=q, available=Quantity.of("0", "kg"), missing=q, supplier="Mill"
    )


def test_only_makeable_materials_not_already_being_made_get_a_child_order():
    shortages = [kg_shortage("PULP", "3"), kg_shortage("SUGAR", "1"), kg_shortage("CREAM", "1")]

    chosen = domain.intermediates_to_make(
        shortages, has_recipe={"PULP", "CREAM"}.__contains__, open_children=frozenset({"CREAM"})
    )

    assert [s.item_code for s in chosen] == ["PULP"]


def test_the_shortage_reason_names_what_is_missing_and_where_it_comes_from():
    reason = domain.shortage_reason([kg_shortage("SUGAR", "1.5")])

    assert reason == "short of SUGAR 1.5 kg (Mill)"


def test_combining_unites_the_demands_in_order_and_sums_a_line_served_twice():
    a, b = uuid4(), uuid4()
    first = po(demand(a, 1, "5"), demand(a, 2, "1"))
    second = po(demand(b, 1, "7"), demand(a, 2, "2"))

    domain.check_combinable([first, second])
    united = domain.union_demands([first, second])

    assert [(d.order_id, d.line_no, d.quantity) for d in united] == [
        (a, 1, pc("5")),
        (a, 2, pc("3")),
        (b, 1, pc("7")),
    ]
    assert domain.total_demand(united) == pc("15")


def test_combining_needs_two_orders_of_one_item_none_started_none_a_child():
    one = po(demand(uuid4(), 1, "1"))
    with pytest.raises(domain.PlanningRefused, match="at least two"):
        domain.check_combinable([one, one])
    with pytest.raises(domain.PlanningRefused, match="one item"):
        domain.check_combinable([one, po(demand(uuid4(), 1, "1"), item="SOAP")])
    with pytest.raises(domain.IllegalTransition, match="is in_progress"):
        domain.check_combinable([one, po(demand(uuid4(), 1, "1"), status=S.IN_PROGRESS)])
    child = domain.ProductionOrder(
        id=uuid4(), item_code="JAM", quantity=pc("1"), status=S.PLANNED, parent_id=uuid4()
    )
    with pytest.raises(domain.PlanningRefused, match="combine the parents"):
        domain.check_combinable([one, child])


def test_splitting_moves_the_named_lines_and_keeps_the_rest_in_order():
    a, b = uuid4(), uuid4()
    original = po(demand(a, 1, "5"), demand(b, 1, "7"), demand(a, 2, "1"))

    moved, kept = domain.split_demands(original, [(b, 1)])

    assert [(d.order_id, d.line_no) for d in moved] == [(b, 1)]
    assert [(d.order_id, d.line_no) for d in kept] == [(a, 1), (a, 2)]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "at least one"),
        ([("b", 1), ("b", 1)], "named twice"),
        ([("x", 9)], "does not serve"),
        ([("a", 1), ("b", 1)], "empty"),
    ],
)
def test_a_split_that_moves_nothing_everything_or_unknown_lines_is_refused(lines, message):
    ids = {"a": uuid4(), "b": uuid4(), "x": uuid4()}
    original = po(demand(ids["a"], 1, "5"), demand(ids["b"], 1, "7"))

    with pytest.raises(domain.PlanningRefused, match=message):
        domain.split_demands(original, [(ids[o], n) for o, n in lines])


def test_a_started_order_cannot_be_split():
    a, b = uuid4(), uuid4()
    with pytest.raises(domain.IllegalTransition, match="is in_progress"):
        domain.split_demands(
            po(demand(a, 1, "1"), demand(b, 1, "1"), status=S.IN_PROGRESS), [(a, 1)]
        )


def test_an_order_cancelled_leaves_an_order_serving_only_it_unneeded():
    a, b = uuid4(), uuid4()
    only_a = po(demand(a, 1, "5"))
    shared = po(demand(a, 1, "5"), demand(b, 1, "2"))
    started = po(demand(a, 1, "5"), status=S.IN_PROGRESS)

    assert domain.cancels_when_unneeded(domain.without_order(only_a, a))
    assert not domain.cancels_when_unneeded(domain.without_order(shared, a))
    assert domain.without_order(shared, a).demands == (demand(b, 1, "2"),)
    assert not domain.cancels_when_unneeded(domain.without_order(started, a))
