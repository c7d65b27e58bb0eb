"""Quantities and money: Decimals with a unit or a currency, never floats (invariant 5)."""

from __future__ import annotations

from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow
from functools import cache
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

if TYPE_CHECKING:
    from pint import UnitRegistry


def _exact_decimal(value: object) -> Decimal:
    """Refuse floats: a float has already lost the exact value the sender meant."""
    if type(value) is Decimal and value.is_finite():  # already exact (every model copy)
        return value
    if isinstance(value, float):
        raise ValueError("floats are not accepted for quantities or money; send a string")
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int | str | Decimal):
        try:
            result = Decimal(value)
        except InvalidOperation:  # "10kg", "": a 422 naming the value, never a 500
            raise ValueError(f"not a decimal number: {value!r}") from None
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


class UnitError(ValueError):
    """A quantity that cannot be used as it is: an unknown unit, or units that do not mix.
    One base, so a caller that refuses either does so with one ``except``."""


class UnitMismatch(UnitError):
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


# Our unit spellings → pint's names. ``pc`` must not reach pint as is: there it is a parsec.
_PINT_NAMES = {
    "mg": "milligram",
    "g": "gram",
    "kg": "kilogram",
    "ml": "milliliter",
    "cl": "centiliter",
    "dl": "deciliter",
    "l": "liter",
    "pc": "count",
}

KNOWN_UNITS = frozenset(_PINT_NAMES)


class UnknownUnit(UnitError):
    """A unit outside KNOWN_UNITS: guessing what it means would corrupt stock figures."""


@cache
def _registry() -> UnitRegistry[Decimal]:
    """Built on first use: loading pint costs most of a second that most callers never need."""
    from pint import UnitRegistry

    return UnitRegistry(non_int_type=Decimal)


def _pint_name(unit: str) -> str:
    try:
        return _PINT_NAMES[unit]
    except KeyError:
        known = ", ".join(sorted(KNOWN_UNITS))
        raise UnknownUnit(f"unknown unit {unit!r}; known units: {known}") from None


@cache
def _factor(from_unit: str, to_unit: str) -> Decimal:
    """How many ``to_unit`` make one ``from_unit``, asked of pint once per pair."""
    registry = _registry()
    source, target = _pint_name(from_unit), _pint_name(to_unit)
    if registry.get_dimensionality(source) != registry.get_dimensionality(target):
        raise UnitMismatch(f"cannot convert {from_unit} to {to_unit}")
    factor = registry.Quantity(Decimal(1), source).to(target).magnitude
    if not isinstance(factor, Decimal):  # pragma: no cover - pint is built with Decimal
        raise TypeError(f"pint gave a {type(factor).__name__} for {from_unit} → {to_unit}")
    return factor


def _exact_product(value: Decimal, factor: Decimal) -> Decimal:
    """Enough digits for the whole product, and a trap in case one were ever dropped."""
    digits = len(value.as_tuple().digits) + len(factor.as_tuple().digits)
    context = Context(
        prec=max(digits, 28), traps=[Inexact, InvalidOperation, DivisionByZero, Overflow]
    )
    product = context.multiply(value, factor)
    sign, coefficient, exponent = product.as_tuple()
    if isinstance(exponent, int) and exponent > 0:  # 1500, not 1.5E+3
        return Decimal((sign, coefficient + (0,) * exponent, 0))
    return product


def can_convert(from_unit: str, to_unit: str) -> bool:
    """Whether ``convert`` would succeed; unknown units convert to nothing, not even themselves."""
    try:
        _factor(from_unit, to_unit)
    except UnitError:
        return False
    return True


def convert(quantity: Quantity, unit: str) -> Quantity:
    """The same amount in another unit of its dimension, exactly: 1.5 kg is 1500 g, not 1499.99."""
    factor = _factor(quantity.unit, unit)
    return Quantity(value=_exact_product(quantity.value, factor), unit=unit)
