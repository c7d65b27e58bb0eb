"""Checking a completion record against the lots production last saw: pure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from services.production.production_orders import completion_rules
from shared.units import Quantity

LOTS = {
    "FLOUR-1": completion_rules.LotSeen(
        "FLOUR-1", "FLOUR", Decimal(10), Decimal(6), "kg", date(2027, 1, 1)
    ),
    "JAR-1": completion_rules.LotSeen("JAR-1", "JAR", Decimal(100), Decimal(0), "pc"),
}


def test_consumption_within_what_the_lot_has_for_this_order_is_accepted_in_lot_units():
    consumed = [
        completion_rules.Consumed("FLOUR-1", Decimal(4000), "g"),
        completion_rules.Consumed("JAR-1", Decimal(24)),
    ]

    lots = completion_rules.check_consumption(consumed, LOTS, held={"FLOUR-1": Decimal(6)})

    assert [(m.lot_code, m.item_code, m.quantity) for m in lots] == [
        ("FLOUR-1", "FLOUR", Quantity.of(4, "kg")),
        ("JAR-1", "JAR", Quantity.of(24, "pc")),
    ]
    assert lots[0].expires_on == date(2027, 1, 1)


def test_more_than_on_hand_is_refused_naming_the_lot_and_what_it_has():
    with pytest.raises(completion_rules.CompletionRefused, match="lot FLOUR-1 has only 10 kg"):
        completion_rules.check_consumption(
            [completion_rules.Consumed("FLOUR-1", Decimal(11))], LOTS, held={"FLOUR-1": Decimal(6)}
        )


def test_what_others_hold_is_not_ours_to_consume():
    with pytest.raises(completion_rules.CompletionRefused, match="lot FLOUR-1 has only 4 kg"):
        completion_rules.check_consumption(
            [completion_rules.Consumed("FLOUR-1", Decimal(5))], LOTS, held={}
        )


def test_the_same_lot_named_twice_counts_once_for_the_sum():
    with pytest.raises(completion_rules.CompletionRefused, match="has only 10 kg"):
        completion_rules.check_consumption(
            [
                completion_rules.Consumed("FLOUR-1", Decimal(6)),
                completion_rules.Consumed("FLOUR-1", Decimal(5)),
            ],
            LOTS,
            held={"FLOUR-1": Decimal(6)},
        )


@pytest.mark.parametrize("quantity", [Decimal(0), Decimal(-1)])
def test_a_non_positive_consumption_is_refused(quantity):
    with pytest.raises(completion_rules.CompletionRefused, match="must be positive"):
        completion_rules.check_consumption(
            [completion_rules.Consumed("JAR-1", quantity)], LOTS, held={}
        )


def test_an_unknown_lot_is_refused_by_name():
    with pytest.raises(completion_rules.CompletionRefused, match="unknown lot NOPE-9"):
        completion_rules.check_consumption(
            [completion_rules.Consumed("NOPE-9", Decimal(1))], LOTS, held={}
        )


def test_a_unit_the_lot_cannot_be_counted_in_is_refused():
    with pytest.raises(completion_rules.CompletionRefused, match="lot JAR-1"):
        completion_rules.check_consumption(
            [completion_rules.Consumed("JAR-1", Decimal(1), "kg")], LOTS, held={}
        )


def test_the_default_output_lot_code_and_the_expiry_from_shelf_life():
    po_id = UUID("0123abcd-0000-0000-0000-000000000000")

    code = completion_rules.default_output_lot_code("JAM", date(2026, 11, 25), po_id)

    assert code == "JAM-P261125-0123ab"
    assert completion_rules.expiry(date(2026, 11, 25), 30) == date(2026, 12, 25)
    assert completion_rules.expiry(date(2026, 11, 25), None) is None
