"""The rules a hand-made order line obeys (manual entry and CSV import)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.connectors.direct_orders.line_rules import (
    InvalidLine,
    checked_quantity,
    parse_quantity,
)

ITEMS = {"SOAP": "pc", "FLOUR": "kg"}


def test_a_known_item_in_a_convertible_unit_is_accepted():
    assert str(checked_quantity("FLOUR", Decimal("250"), "g", base_units=ITEMS)) == "250 g"


@pytest.mark.parametrize(
    ("item", "value", "unit", "reason"),
    [
        ("HONEY", "1", "pc", "unknown item 'HONEY'"),
        ("SOAP", "1", "box", "unknown unit 'box'"),
        ("SOAP", "1", "kg", "counted in pc, not in kg"),
        ("SOAP", "0", "pc", "must be positive"),
        ("SOAP", "1.5", "pc", "not a whole number of pieces"),
    ],
)
def test_a_bad_line_is_refused_with_its_reason(item, value, unit, reason):
    with pytest.raises(InvalidLine, match=reason):
        checked_quantity(item, Decimal(value), unit, base_units=ITEMS)


@pytest.mark.parametrize("text", ["three", "1e3", "NaN", ""])
def test_only_plain_decimals_are_quantities(text):
    with pytest.raises(InvalidLine):
        parse_quantity(text)


def test_a_plain_decimal_keeps_its_exact_value():
    assert parse_quantity(" 2.50 ") == Decimal("2.50")
