"""Unit conversion: exact Decimals between units of one dimension, refusals otherwise."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.units import (
    KNOWN_UNITS,
    Quantity,
    UnitMismatch,
    UnknownUnit,
    can_convert,
    convert,
)

MASS = ("mg", "g", "kg")
VOLUME = ("ml", "cl", "dl", "l")
COUNT = ("pc",)
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("value", "from_unit", "to_unit", "expected"),
    [
        ("1.5", "kg", "g", "1500"),
        ("250", "ml", "l", "0.25"),
        ("3000", "g", "kg", "3"),
        ("1", "l", "ml", "1000"),
        ("1", "mg", "kg", "0.000001"),
        ("7", "cl", "dl", "0.7"),
        ("12", "pc", "pc", "12"),
    ],
)
def test_converts_exactly_within_a_dimension(value, from_unit, to_unit, expected):
    quantity = Quantity.of(value, from_unit)

    converted = convert(quantity, to_unit)

    assert converted.unit == to_unit
    assert isinstance(converted.value, Decimal)
    assert converted.value == Decimal(expected)


def test_keeps_digits_beyond_the_default_decimal_precision():
    quantity = Quantity.of("1.0000000000000000000000000000001", "kg")

    converted = convert(quantity, "mg")

    assert converted.value == Decimal("1000000.0000000000000000000000001")


def test_writes_whole_results_without_an_exponent():
    converted = convert(Quantity.of("1.5", "kg"), "g")

    assert str(converted.value) == "1500"


@pytest.mark.parametrize(("from_unit", "to_unit"), [("pc", "g"), ("kg", "l"), ("ml", "pc")])
def test_refuses_to_convert_across_dimensions_naming_both_units(from_unit, to_unit):
    quantity = Quantity.of("1", from_unit)

    with pytest.raises(UnitMismatch, match=f"cannot convert {from_unit} to {to_unit}"):
        convert(quantity, to_unit)


@pytest.mark.parametrize(("from_unit", "to_unit"), [("oz", "g"), ("g", "lb"), ("box", "box")])
def test_refuses_a_unit_it_does_not_know(from_unit, to_unit):
    quantity = Quantity.of("1", from_unit)

    with pytest.raises(UnknownUnit, match="unknown unit"):
        convert(quantity, to_unit)


def test_pieces_convert_only_to_pieces():
    assert not can_convert("pc", "kg")
    assert not can_convert("pc", "ml")
    assert can_convert("pc", "pc")


def test_refusals_are_value_errors():
    assert issubclass(UnknownUnit, ValueError)
    assert issubclass(UnitMismatch, ValueError)


@pytest.mark.parametrize(
    ("from_unit", "to_unit", "expected"),
    [
        ("g", "kg", True),
        ("dl", "cl", True),
        ("pc", "pc", True),
        ("pc", "g", False),
        ("kg", "ml", False),
        ("oz", "g", False),
        ("box", "box", False),
    ],
)
def test_can_convert_tells_in_advance_whether_convert_succeeds(from_unit, to_unit, expected):
    assert can_convert(from_unit, to_unit) is expected


def test_knows_the_mass_volume_and_count_units():
    assert frozenset(MASS + VOLUME + COUNT) == KNOWN_UNITS


def test_arithmetic_still_refuses_different_units_instead_of_converting():
    kilos, grams = Quantity.of("1", "kg"), Quantity.of("500", "g")

    with pytest.raises(UnitMismatch):
        kilos + grams
    with pytest.raises(UnitMismatch):
        kilos - grams
    with pytest.raises(UnitMismatch):
        _ = kilos < grams


def test_importing_units_does_not_load_pint():
    code = "import sys, shared.units; sys.exit('pint' in sys.modules)"

    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False)

    assert result.returncode == 0


def same_dimension_pairs() -> st.SearchStrategy[tuple[str, str]]:
    dimension = st.sampled_from([MASS, VOLUME, COUNT])
    return dimension.flatmap(
        lambda units: st.tuples(st.sampled_from(units), st.sampled_from(units))
    )


@given(
    value=st.decimals(
        min_value=Decimal("-1e12"),
        max_value=Decimal("1e12"),
        places=6,
        allow_nan=False,
        allow_infinity=False,
    ),
    units=same_dimension_pairs(),
)
def test_converting_there_and_back_gives_back_the_exact_value(value, units):
    from_unit, to_unit = units
    original = Quantity.of(value, from_unit)

    back = convert(convert(original, to_unit), from_unit)

    assert back.unit == from_unit
    assert back.value == value


@pytest.mark.parametrize("text", ["10kg", "", "ten", "1,5"])
def test_a_quantity_that_is_not_a_number_is_a_validation_error_naming_it(text):
    """An InvalidOperation escaping pydantic would be a 500; it must be a 422."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not a decimal number"):
        Quantity.model_validate({"value": text, "unit": "kg"})
