"""Quantities and money: Decimals with a unit or a currency, never floats (invariant 5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer


def _exact_decimal(value: object) -> Decimal:
    """Refuse floats: a float has already lost the exact value the sender meant."""
    if isinstance(value, float):
        raise ValueError("floats are not accepted for quantities or money; send a string")
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int | str | Decimal):
        result = Decimal(value)
        if not result.is_finite():
            raise ValueError("quantities and money must be finite")
        return result
    raise ValueError(f"not a decimal number: {value!r}")


def _plain(value: Decimal) -> str:
    """Shortest exact text: ``3.000000`` from a NUMERIC column is sent as ``3``."""
    return format(value.normalize(), "f")


def _monetary(value: Decimal) -> str:
    """Money keeps at least two decimals (``12.50``, not ``12.5``); more when it has them."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        normal = normal.quantize(Decimal("0.01"))
    return format(normal, "f")


ExactDecimal = Annotated[
    Decimal,
    BeforeValidator(_exact_decimal),
    PlainSerializer(_plain, return_type=str, when_used="json"),
]

MoneyDecimal = Annotated[
    Decimal,
    BeforeValidator(_exact_decimal),
    PlainSerializer(_monetary, return_type=str, when_used="json"),
]

COUNTED_UNITS = frozenset({"pc"})


def is_whole_where_counted(value: Decimal, unit: str) -> bool:
    """Pieces are counted, never split: 2.5 pc is a typo, not a quantity."""
    return unit not in COUNTED_UNITS or value == value.to_integral_value()


class UnitMismatch(ValueError):
    """Two quantities in different units cannot be combined without a conversion."""


class Quantity(BaseModel):
    """An amount of something in a unit, e.g. ``Quantity.of("3", "pc")``."""

    model_config = ConfigDict(frozen=True)

    value: ExactDecimal
    unit: str

    @classmethod
    def of(cls, value: str | int | Decimal, unit: str) -> Quantity:
        return cls(value=Decimal(value), unit=unit)

    @classmethod
    def zero(cls, unit: str) -> Quantity:
        return cls(value=Decimal(0), unit=unit)

    def _same_unit(self, other: Quantity) -> None:
        if other.unit != self.unit:
            raise UnitMismatch(f"cannot combine {self.unit} with {other.unit}")

    def __add__(self, other: Quantity) -> Quantity:
        self._same_unit(other)
        return Quantity(value=self.value + other.value, unit=self.unit)

    def __sub__(self, other: Quantity) -> Quantity:
        self._same_unit(other)
        return Quantity(value=self.value - other.value, unit=self.unit)

    def __lt__(self, other: Quantity) -> bool:
        self._same_unit(other)
        return self.value < other.value

    def __le__(self, other: Quantity) -> bool:
        self._same_unit(other)
        return self.value <= other.value

    def min(self, other: Quantity) -> Quantity:
        return self if self <= other else other

    @property
    def is_positive(self) -> bool:
        return self.value > 0

    def __str__(self) -> str:
        return f"{format(self.value.normalize(), 'f')} {self.unit}"


class Money(BaseModel):
    """An amount in a currency (ISO 4217 code)."""

    model_config = ConfigDict(frozen=True)

    amount: MoneyDecimal
    currency: str

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        return cls(amount=Decimal(amount), currency=currency)

    def __str__(self) -> str:
        return f"{format(self.amount, 'f')} {self.currency}"
