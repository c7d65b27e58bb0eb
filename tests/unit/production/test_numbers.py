"""Production order numbers as people write and type them."""

import pytest

from services.production.production_orders.number_rules import format_number, parse_number


def test_a_number_reads_as_mo_and_five_digits_and_grows_past_them():
    assert format_number(42) == "MO-00042"
    assert format_number(123456) == "MO-123456"


@pytest.mark.parametrize("typed", ["MO-00042", "mo-42", "Mo42", " mo 042 ", "42", "00042"])
def test_what_people_type_for_a_number_is_understood(typed: str):
    assert parse_number(typed) == 42


@pytest.mark.parametrize("typed", ["", "MO-", "JAM-42", "42a", "MO-4-2", "M0-42"])
def test_anything_else_is_not_a_number(typed: str):
    assert parse_number(typed) is None
