"""Make-to-stock rules: under the reorder point, up to the target in whole packs, and the
moving-average demand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.inventory.errors import InventoryError
from services.inventory.replenishment.replenishment_rules import (
    AcceptedProduction,
    OpenPurchase,
    ReorderRule,
    Suggestion,
    SuggestionKind,
    daily_demand,
    days_of_cover,
    kind_for,
    needs_replenishment,
    on_order,
    suggest,
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


def test_what_is_coming_is_open_purchase_remainders_and_accepted_production_not_yet_made():
    purchases = [OpenPurchase(Decimal(100), Decimal(40)), OpenPurchase(Decimal(50), Decimal(0))]
    production = [
        AcceptedProduction(Decimal(30), made=False),
        AcceptedProduction(Decimal(70), True),
    ]

    assert on_order(purchases, production) == Decimal(140)  # 60 + 50 + 30
    assert on_order([], []) == Decimal(0)


def test_a_suggestion_counts_what_is_coming_and_rounds_to_packs():
    # 20 free + 30 coming = 50 < 70: up to 150 is 100 short → 2 packs of 50
    suggestion = suggest(
        JARS, item_kind="packaging", unit="pc", available=Decimal(20), coming=Decimal(30)
    )

    assert suggestion == Suggestion("JAR", SuggestionKind.PURCHASE, Decimal(100), "pc", Decimal(20))


def test_nothing_is_suggested_when_what_is_coming_lifts_stock_to_the_reorder_point():
    assert (
        suggest(JARS, item_kind="packaging", unit="pc", available=Decimal(20), coming=Decimal(50))
        is None
    )


def test_made_items_are_suggested_for_production():
    rule = ReorderRule("SOAP", reorder_point=Decimal(10), target=Decimal(40))

    suggestion = suggest(
        rule, item_kind="finished_good", unit="pc", available=Decimal(4), coming=Decimal(0)
    )

    assert suggestion is not None
    assert (suggestion.kind, suggestion.quantity) == (SuggestionKind.PRODUCTION, Decimal(36))
