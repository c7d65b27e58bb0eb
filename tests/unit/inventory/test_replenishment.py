"""Make-to-stock rules: under the reorder point, up to the target in whole packs, and the
moving-average demand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.inventory.errors import InventoryError
from services.inventory.replenishment import (
    ReorderRule,
    SuggestionKind,
    daily_demand,
    days_of_cover,
    kind_for,
    needs_replenishment,
    suggested_quantity,
)

JARS = ReorderRule("JAR", reorder_point=Decimal(70), target=Decimal(150), pack_size=Decimal(50))


def test_only_stock_strictly_under_the_reorder_point_needs_replenishing():
    assert not needs_replenishment(Decimal(70), JARS)
    assert needs_replenishment(Decimal(69), JARS)


def test_the_quantity_reaches_the_target_in_whole_packs():
    assert suggested_quantity(Decimal(60), JARS) == 100  # 90 short → two packs of 50
    assert suggested_quantity(Decimal(-5), JARS) == 200  # over-reserved stock counts too
    no_packs = ReorderRule("BISCUIT", reorder_point=Decimal(20), target=Decimal(50))
    assert suggested_quantity(Decimal(15), no_packs) == 35


def test_made_items_are_produced_and_bought_ones_purchased():
    assert kind_for("finished_good") is SuggestionKind.PRODUCTION
    assert kind_for("intermediate") is SuggestionKind.PRODUCTION
    assert kind_for("raw_material") is SuggestionKind.PURCHASE
    assert kind_for("packaging") is SuggestionKind.PURCHASE


def test_a_rule_that_cannot_work_is_refused():
    with pytest.raises(InventoryError, match="above the reorder point"):
        ReorderRule("X", reorder_point=Decimal(10), target=Decimal(10))
    with pytest.raises(InventoryError, match="negative"):
        ReorderRule("X", reorder_point=Decimal(-1), target=Decimal(10))
    with pytest.raises(InventoryError, match="pack size"):
        ReorderRule("X", reorder_point=Decimal(1), target=Decimal(10), pack_size=Decimal(0))


def test_daily_demand_averages_the_window_and_ignores_older_outflows():
    today = date(2027, 3, 28)
    outflows = [
        (today, Decimal(-14)),
        (today - timedelta(days=27), Decimal(-14)),  # first day of the window
        (today - timedelta(days=28), Decimal(-1000)),  # outside it
    ]
    assert daily_demand(outflows, today=today) == 1
    assert days_of_cover(Decimal(30), Decimal(1)) == 30
    assert days_of_cover(Decimal(30), Decimal(0)) is None
