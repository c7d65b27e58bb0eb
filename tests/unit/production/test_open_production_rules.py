"""What an open production order waits for, as the promise counts it: pure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from services.production.promise.open_production_rules import (
    shortfalls,
    unanswered_shorts,
    waits_for,
    with_purchase_order,
)
from services.production.promise.plan_rules import Shortfall
from services.production.purchasing.cover_rules import Expected
from services.production.recipes.recipe_rules import ItemInfo, Recipe, RecipeLine
from shared.contracts.production import ProductionStatus as S
from shared.units import Quantity

PO = UUID("00000000-0000-0000-0000-000000000001")
EXPLODED = {PO: (Shortfall("FRUIT", 5, missing=Decimal(4), unit="kg"),)}
RECORDED = {PO: (Shortfall("JAR", 15, missing=Decimal(24), unit="pc"),)}
ITEMS = {
    "JAM": ItemInfo("JAM", "kg", "finished_good"),
    "FRUIT": ItemInfo("FRUIT", "kg", "raw_material"),
}
JAM = Recipe(
    item_code="JAM",
    version=1,
    batch_size=Decimal(10),
    unit="kg",
    expected_yield=Decimal(1),
    whole_batches=False,
    lines=(RecipeLine(item_code="FRUIT", quantity=Decimal(12), unit="kg"),),
    duration_minutes=60,
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.PLANNED, EXPLODED[PO]),
        (S.BLOCKED_ON_MATERIALS, RECORDED[PO]),
        (S.MATERIALS_RESERVED, ()),
        (S.IN_PROGRESS, ()),
    ],
)
def test_an_order_waits_for_what_its_status_says(
    status: S, expected: tuple[Shortfall, ...]
) -> None:
    assert waits_for(status, PO, exploded=EXPLODED, recorded=RECORDED) == expected


def test_an_unanswered_planned_order_waits_for_what_its_recipe_lacks() -> None:
    # 20 kg of jam = 2 batches of 10 kg = 24 kg of fruit; 20 kg seen: 4 kg short
    shorts = unanswered_shorts(
        "JAM",
        Quantity.of(20, "kg"),
        items=ITEMS,
        recipes={"JAM": JAM},
        available={"FRUIT": Decimal(20)},
    )

    assert shorts == [("FRUIT", Decimal(4), "kg")]


def test_without_an_active_recipe_the_item_itself_is_awaited() -> None:
    shorts = unanswered_shorts("JAM", Quantity.of(20, "kg"), items=ITEMS, recipes={}, available={})

    assert shorts == [("JAM", None, None)]


def test_a_recipe_that_cannot_be_exploded_awaits_the_item_itself() -> None:
    shorts = unanswered_shorts(
        "JAM", Quantity.of(2, "pc"), items=ITEMS, recipes={"JAM": JAM}, available={}
    )

    assert shorts == [("JAM", None, None)]


def test_shortfalls_carry_the_lead_time_of_bought_materials_only() -> None:
    found = shortfalls([("FRUIT", Decimal(4), "kg"), ("JAM", None, None)], {"FRUIT": 5})

    assert found == (
        Shortfall("FRUIT", 5, missing=Decimal(4), unit="kg"),
        Shortfall("JAM", None),
    )


def test_open_purchase_orders_bring_a_material_once_they_cover_what_is_missing() -> None:
    arrivals = {
        "FRUIT": [
            Expected(date(2026, 3, 20), Decimal(3)),
            Expected(date(2026, 3, 10), Decimal(2)),
        ]
    }

    covered = with_purchase_order(EXPLODED[PO][0], arrivals)
    uncovered = with_purchase_order(Shortfall("JAR", 15, missing=Decimal(1)), arrivals)

    assert covered.expected_on == date(2026, 3, 20)  # 2 by the 10th, 5 by the 20th
    assert uncovered.expected_on is None
