"""Minimum remaining shelf life: the pure rule, its boundaries, and FEFO reservation under it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import uuid4

import pytest

from services.inventory.production.completion import demands_within_shelf_life
from services.inventory.reservations.domain import Lot, reserve
from services.inventory.reservations.shelf_life_rules import (
    InvalidRule,
    Scope,
    ShelfLifeRule,
    lot_meets,
    meets,
    normalise_key,
    parse_fraction,
    rule_for_order,
)
from shared.contracts.inventory import StockShort
from shared.contracts.orders import OrderLineRef
from shared.contracts.production import Demand
from shared.units import Quantity

TODAY = date(2027, 1, 10)
DAYS_30 = ShelfLifeRule(Scope.CHANNEL, "shopify", min_days=30)
TWO_THIRDS = ShelfLifeRule(Scope.CUSTOMER, "buyer@retail.example", min_fraction=Fraction(2, 3))


def test_exactly_30_days_left_passes_and_29_fails():
    assert lot_meets(DAYS_30, expires_on=TODAY + timedelta(days=30), produced_on=None, on=TODAY)
    assert not lot_meets(DAYS_30, expires_on=TODAY + timedelta(days=29), produced_on=None, on=TODAY)


def test_29_99_days_left_fails_a_30_day_rule():
    assert meets(DAYS_30, days_left=Fraction(30), total_days=None)
    assert not meets(DAYS_30, days_left=Fraction("29.99"), total_days=None)


def test_exactly_two_thirds_left_passes_and_a_day_less_fails():
    produced = TODAY - timedelta(days=30)  # 90 days of shelf life, 60 left = 2/3 exactly
    assert lot_meets(
        TWO_THIRDS, expires_on=TODAY + timedelta(days=60), produced_on=produced, on=TODAY
    )
    assert not lot_meets(
        TWO_THIRDS,
        expires_on=TODAY + timedelta(days=59),
        produced_on=produced - timedelta(days=1),
        on=TODAY,
    )


def test_two_thirds_is_exact_not_a_rounded_decimal():
    """0.6667 would refuse exactly 2/3 left; the stored "2/3" does not."""
    assert meets(TWO_THIRDS, days_left=Fraction(2), total_days=Fraction(3))
    rounded = ShelfLifeRule(Scope.CHANNEL, "x", min_fraction=parse_fraction("0.6667"))
    assert not meets(rounded, days_left=Fraction(2), total_days=Fraction(3))


def test_a_lot_without_expiry_always_passes():
    for rule in (DAYS_30, TWO_THIRDS):
        assert lot_meets(rule, expires_on=None, produced_on=None, on=TODAY)


def test_no_rule_passes_even_an_expiring_lot():
    assert lot_meets(None, expires_on=TODAY, produced_on=None, on=TODAY)


def test_without_a_production_date_a_fraction_rule_refuses_and_a_days_rule_does_not():
    far = TODAY + timedelta(days=365)
    assert not lot_meets(TWO_THIRDS, expires_on=far, produced_on=None, on=TODAY)
    assert lot_meets(DAYS_30, expires_on=far, produced_on=None, on=TODAY)


def test_a_lot_with_no_shelf_life_at_all_meets_no_fraction_rule():
    assert not lot_meets(TWO_THIRDS, expires_on=TODAY, produced_on=TODAY, on=TODAY)


def test_both_limits_must_hold():
    both = ShelfLifeRule(Scope.CHANNEL, "x", min_days=30, min_fraction=Fraction(1, 2))
    produced = TODAY - timedelta(days=100)
    # 40 days left of 140: the days hold, the half does not
    assert not lot_meets(
        both, expires_on=TODAY + timedelta(days=40), produced_on=produced, on=TODAY
    )
    assert lot_meets(both, expires_on=TODAY + timedelta(days=40), produced_on=TODAY, on=TODAY)
    assert both.needs == "≥ 30 days and ≥ 1/2 of its shelf life"


def test_the_customer_rule_wins_over_the_channel_rule():
    channel = ShelfLifeRule(Scope.CHANNEL, "wholesale", min_days=30)
    by_mail = ShelfLifeRule(Scope.CUSTOMER, "buyer@retail.example", min_days=90)
    by_name = ShelfLifeRule(Scope.CUSTOMER, "bottega rossi", min_days=60)
    rules = [channel, by_mail, by_name]
    found = rule_for_order(
        rules, channel="wholesale", customer_email="Buyer@Retail.example ", customer_name=None
    )
    assert found == by_mail
    found = rule_for_order(
        rules, channel="wholesale", customer_email="other@x.example", customer_name="Bottega  Rossi"
    )
    assert found == by_name
    found = rule_for_order(rules, channel="Wholesale", customer_email=None, customer_name="Anyone")
    assert found == channel
    assert rule_for_order(rules, channel="shopify", customer_email=None, customer_name=None) is None


@pytest.mark.parametrize("text", ["0", "-1/3", "4/3", "abc", "1/0", ""])
def test_a_fraction_outside_zero_to_one_is_refused(text: str):
    with pytest.raises(InvalidRule):
        parse_fraction(text)


def test_a_rule_asking_nothing_or_with_no_key_is_refused():
    with pytest.raises(InvalidRule):
        ShelfLifeRule(Scope.CHANNEL, "shopify")
    with pytest.raises(InvalidRule):
        ShelfLifeRule(Scope.CHANNEL, "shopify", min_days=-1)
    with pytest.raises(InvalidRule):
        normalise_key(Scope.CUSTOMER, "   ")


def test_a_rule_survives_its_json_form():
    rule = ShelfLifeRule(Scope.CUSTOMER, "a@b.example", min_days=5, min_fraction=Fraction(2, 3))
    assert ShelfLifeRule.from_json(rule.as_json()) == rule


def honey(lot_id: int, on_hand: str, expires: date | None, produced: date | None = None) -> Lot:
    return Lot(
        id=lot_id,
        lot_code=f"HONEY-{lot_id}",
        item_code="HONEY",
        unit="kg",
        on_hand=Decimal(on_hand),
        reserved=Decimal(0),
        expires_on=expires,
        produced_on=produced,
    )


LINE = OrderLineRef(line_no=1, item_code="HONEY", quantity=Quantity.of("12", "kg"))


def test_reservation_skips_the_short_dated_lot_and_takes_the_later_one():
    soon = honey(1, "20", TODAY + timedelta(days=10))
    later = honey(2, "20", TODAY + timedelta(days=90))
    outcome = reserve([soon, later], [LINE], rule=DAYS_30, on=TODAY)
    assert [(a.lot.lot_code, a.quantity) for a in outcome.allocations] == [("HONEY-2", Decimal(12))]
    assert outcome.shortages == ()
    # without the rule FEFO takes the short-dated lot
    plain = reserve([soon, later], [LINE])
    assert [a.lot.lot_code for a in plain.allocations] == ["HONEY-1"]


def test_only_short_dated_stock_is_a_shortage_that_names_the_reason():
    soon = honey(1, "20", TODAY + timedelta(days=10))
    outcome = reserve([soon], [LINE], rule=DAYS_30, on=TODAY)
    event = outcome.event(uuid4())
    assert isinstance(event, StockShort)
    (shortage,) = event.shortages
    assert shortage.missing == Quantity.of("12", "kg")
    assert shortage.reason == (
        "12 kg of HONEY too close to expiry for channel shopify (needs ≥ 30 days)"
    )


def test_partly_short_dated_stock_names_only_what_it_could_have_covered():
    soon = honey(1, "5", TODAY + timedelta(days=10))
    later = honey(2, "4", TODAY + timedelta(days=90))
    customer = ShelfLifeRule(Scope.CUSTOMER, "a@b.example", min_days=30)
    (shortage,) = reserve([soon, later], [LINE], rule=customer, on=TODAY).shortages
    assert shortage.reserved == Quantity.of("4", "kg")
    assert shortage.missing == Quantity.of("8", "kg")
    assert shortage.reason == (
        "5 kg of HONEY too close to expiry for this customer (needs ≥ 30 days)"
    )


def test_undated_stock_under_a_fraction_rule_is_named_as_undated_not_as_too_close():
    undated = honey(1, "5", TODAY + timedelta(days=300))
    old = honey(2, "20", TODAY + timedelta(days=10), produced=TODAY - timedelta(days=80))
    (shortage,) = reserve([undated, old], [LINE], rule=TWO_THIRDS, on=TODAY).shortages
    assert shortage.missing == Quantity.of("12", "kg")
    assert shortage.reason == (
        "12 kg of HONEY too close to expiry for this customer (needs ≥ 2/3 of its shelf life); "
        "5 kg of HONEY with no known production date for this customer "
        "(needs ≥ 2/3 of its shelf life)"
    )


def test_a_shortage_with_no_short_dated_stock_gives_no_reason():
    (shortage,) = reserve([], [LINE], rule=DAYS_30, on=TODAY).shortages
    assert shortage.reason is None


def test_a_rule_without_a_date_is_a_programming_error():
    with pytest.raises(ValueError):
        reserve([], [LINE], rule=DAYS_30)


def test_completion_allocates_only_to_orders_whose_rule_the_output_meets():
    strict, lax, free = uuid4(), uuid4(), uuid4()
    demands = [
        Demand(order_id=o, line_no=1, quantity=Quantity.of("1", "kg")) for o in (strict, lax, free)
    ]
    rules = {
        strict: ShelfLifeRule(Scope.CHANNEL, "a", min_days=60),
        lax: ShelfLifeRule(Scope.CHANNEL, "b", min_days=20),
    }
    fit, refused = demands_within_shelf_life(
        demands, rules, expires_on=TODAY + timedelta(days=45), produced_on=TODAY, on=TODAY
    )
    assert [d.order_id for d in fit] == [lax, free]
    assert [d.order_id for d in refused] == [strict]
