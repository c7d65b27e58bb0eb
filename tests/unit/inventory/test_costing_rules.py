"""Unit cost of lots by hand-computed example: flour → dough → biscuits.

Flour lot A: 10 kg received for 8.00 EUR (0.80/kg); lot B: 10 kg for 12.00 EUR (1.20/kg).
Dough (line MIX at 0.50 EUR/min, 30 min): FEFO takes all of A (earlier expiry) and 2 kg of B:
10 × 0.80 + 2 × 1.20 + 30 × 0.50 = 8.00 + 2.40 + 15.00 = 25.40 EUR for an actual 10 kg (12 kg
expected: a short yield) → 2.54 EUR/kg.
Biscuits (line OVEN at 0.25 EUR/min, 40 min): 10 kg of dough = 25.40 + 10.00 = 35.40 EUR for
an actual 112 pc (120 expected) → 35.40 / 112 = 0.316071428… → 0.316071 EUR/pc.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.inventory.stock.costing_rules import (
    ConsumedInput,
    CostError,
    labour_cost,
    produced_unit_cost,
    received_unit_cost,
    to_cents,
    unit_cost,
)
from shared.units import Money, Quantity, convert

EUR = "EUR"


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def test_a_received_lot_costs_its_receipt_over_its_quantity_in_the_base_unit():
    # 5000 g received for an item counted in kg: 5 kg for 4.00 → 0.80 per kg, not per g.
    base = convert(Quantity.of("5000", "g"), "kg").value
    assert received_unit_cost(eur("4.00"), base) == eur("0.800000")
    assert received_unit_cost(None, base) is None


def test_three_levels_give_the_hand_computed_cost_to_the_cent():
    flour_a = received_unit_cost(eur("8.00"), Decimal(10))
    flour_b = received_unit_cost(eur("12.00"), Decimal(10))
    dough = produced_unit_cost(
        [
            ConsumedInput("FLOUR-A", Decimal(10), flour_a),
            ConsumedInput("FLOUR-B", Decimal(2), flour_b),
        ],
        run_minutes=30,
        cost_per_minute=eur("0.50"),
        output=Decimal(10),
    )
    assert dough == eur("2.540000")
    biscuits = produced_unit_cost(
        [ConsumedInput("DOUGH-1", Decimal(10), dough)],
        run_minutes=40,
        cost_per_minute=eur("0.25"),
        output=Decimal(112),
    )
    assert biscuits == eur("0.316071")
    # 7 biscuits: 2.212497 → 2.21 EUR
    assert biscuits is not None
    assert to_cents(7 * biscuits.amount) == Decimal("2.21")


def test_a_short_yield_raises_the_unit_cost():
    inputs = [ConsumedInput("FLOUR-A", Decimal(10), eur("0.80"))]
    full = produced_unit_cost(inputs, run_minutes=0, cost_per_minute=None, output=Decimal(8))
    short = produced_unit_cost(inputs, run_minutes=0, cost_per_minute=None, output=Decimal(6))
    assert full == eur("1.000000")
    assert short == eur("1.333333")


def test_an_input_of_unknown_cost_makes_the_lot_unknown_not_cheaper():
    inputs = [
        ConsumedInput("FLOUR-A", Decimal(10), eur("0.80")),
        ConsumedInput("SUGAR-1", Decimal(1), None),
    ]
    assert (
        produced_unit_cost(inputs, run_minutes=30, cost_per_minute=eur("0.5"), output=Decimal(5))
        is None
    )


def test_costs_in_two_currencies_are_unknown_and_a_zero_rate_imposes_none():
    mixed = [
        ConsumedInput("A", Decimal(1), eur("1")),
        ConsumedInput("B", Decimal(1), Money.of("1", "USD")),
    ]
    assert produced_unit_cost(mixed, run_minutes=0, cost_per_minute=None, output=Decimal(1)) is None
    free_labour = produced_unit_cost(
        [ConsumedInput("A", Decimal(3), eur("1"))],
        run_minutes=60,
        cost_per_minute=Money.of("0", "USD"),
        output=Decimal(2),
    )
    assert free_labour == eur("1.500000")


def test_unit_costs_round_half_even_at_six_places():
    assert unit_cost(Decimal("0.0000025"), Decimal(1)) == Decimal("0.000002")
    assert unit_cost(Decimal("0.0000035"), Decimal(1)) == Decimal("0.000004")
    with pytest.raises(CostError):
        unit_cost(Decimal(1), Decimal(0))


def test_labour_kept_on_a_lot_recosts_it_as_minutes_times_rate_did():
    inputs = [
        ConsumedInput("FLOUR-A", Decimal(10), eur("1.00")),
        ConsumedInput("B", Decimal(2), eur("1.2")),
    ]
    labour = labour_cost(30, eur("0.50"))
    assert labour == eur("15.00")
    assert produced_unit_cost(inputs, labour=labour, output=Decimal(10)) == eur("2.740000")
    assert labour_cost(30, eur("0")) is None and labour_cost(None, eur("0.5")) is None


def test_a_corrected_run_time_recosts_the_output_and_what_is_made_from_it_to_the_cent():
    """The dough ran 45 min, not 30: labour 45 × 0.50 = 22.50; dough (8.00 + 2.40 + 22.50) /
    10 = 3.29/kg; biscuits (10 × 3.29 + 40 × 0.25) / 112 = 42.90 / 112 = 0.383035714… →
    0.383036 each; 7 biscuits 2.681252 → 2.68 EUR (2.21 before)."""
    flour = [
        ConsumedInput("FLOUR-A", Decimal(10), eur("0.80")),
        ConsumedInput("FLOUR-B", Decimal(2), eur("1.20")),
    ]
    labour = labour_cost(45, eur("0.50"))
    assert labour == eur("22.50")

    dough = produced_unit_cost(flour, labour=labour, output=Decimal(10))
    assert dough == eur("3.290000")
    biscuits = produced_unit_cost(
        [ConsumedInput("DOUGH-1", Decimal(10), dough)],
        labour=labour_cost(40, eur("0.25")),
        output=Decimal(112),
    )
    assert biscuits == eur("0.383036")
    assert biscuits is not None
    assert 7 * biscuits.amount == Decimal("2.681252")
    assert to_cents(7 * biscuits.amount) == Decimal("2.68")
    # Corrected to no time at all: the inputs alone, (8.00 + 2.40) / 10.
    assert produced_unit_cost(flour, labour=labour_cost(0, eur("0.50")), output=Decimal(10)) == (
        eur("1.040000")
    )
