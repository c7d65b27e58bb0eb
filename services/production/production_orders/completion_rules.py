"""Checking an operator's completion record against the lots production last saw, and
naming and dating the output lot. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from shared.contracts.inventory import MaterialLot
from shared.units import Quantity, UnitError, convert


class CompletionRefused(ValueError):
    """A completion record that stock, as production last saw it, cannot honour."""


@dataclass(frozen=True)
class LotSeen:
    """A lot as production's read model last saw it."""

    lot_code: str
    item_code: str
    on_hand: Decimal
    reserved: Decimal
    unit: str
    expires_on: date | None = None


@dataclass(frozen=True)
class Consumed:
    """What the operator says was used: a lot and a quantity (unit: the lot's by default)."""

    lot_code: str
    quantity: Decimal
    unit: str | None = None


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def check_consumption(
    consumed: Sequence[Consumed],
    lots: Mapping[str, LotSeen],
    *,
    held: Mapping[str, Decimal],
) -> tuple[MaterialLot, ...]:
    """Every consumed lot is known, positive, and within what it has for this production
    order: on hand minus what others hold (``held`` is what this order holds, per lot)."""
    totals: dict[str, Decimal] = {}
    for line in consumed:
        lot = lots.get(line.lot_code)
        if lot is None:
            raise CompletionRefused(f"unknown lot {line.lot_code}")
        if line.quantity <= 0:
            raise CompletionRefused(
                f"consumption of lot {line.lot_code} must be positive, not {_text(line.quantity)}"
            )
        try:
            value = convert(Quantity.of(line.quantity, line.unit or lot.unit), lot.unit).value
        except UnitError as error:
            raise CompletionRefused(f"lot {line.lot_code}: {error}") from error
        totals[line.lot_code] = totals.get(line.lot_code, Decimal(0)) + value
    result = []
    for lot_code, value in totals.items():
        lot = lots[lot_code]
        usable = min(lot.on_hand, lot.on_hand - lot.reserved + held.get(lot_code, Decimal(0)))
        if value > usable:
            raise CompletionRefused(
                f"lot {lot_code} has only {_text(max(usable, Decimal(0)))} {lot.unit}"
                f" for this production order, not {_text(value)}"
            )
        result.append(
            MaterialLot(
                item_code=lot.item_code,
                lot_code=lot_code,
                quantity=Quantity.of(value, lot.unit),
                expires_on=lot.expires_on,
            )
        )
    return tuple(result)


def default_output_lot_code(item_code: str, produced_on: date, production_order_id: UUID) -> str:
    """``<ITEM>-P<yymmdd>-<first 6 hex of the production order id>``: readable and unique."""
    return f"{item_code}-P{produced_on:%y%m%d}-{production_order_id.hex[:6]}"


def expiry(produced_on: date, shelf_life_days: int | None) -> date | None:
    return None if shelf_life_days is None else produced_on + timedelta(days=shelf_life_days)
