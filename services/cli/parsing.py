"""Pure parsing of the compact option values some commands take (``LOT=QTY``,
``ORDER:LINE``, ``LINE=QTY``, parcel weights), so a typo is a usage error before anything
is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

_QUANTITY = re.compile(r"^\s*(?P<value>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[A-Za-z]+)?\s*$", re.ASCII)


@dataclass(frozen=True)
class Consumed:
    """What a completion took from one lot; without a unit, the lot's own unit is meant."""

    lot_code: str
    quantity: Decimal
    unit: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"lot_code": self.lot_code, "quantity": str(self.quantity)}
        if self.unit is not None:
            body["unit"] = self.unit
        return body


@dataclass(frozen=True)
class OrderLine:
    """One line of a customer order, as production orders name the lines they serve."""

    order_id: UUID
    line_no: int

    def as_json(self) -> dict[str, Any]:
        return {"order_id": str(self.order_id), "line_no": self.line_no}


def parse_quantity(text: str) -> tuple[Decimal, str | None]:
    """``6``, ``6.5``, ``6kg`` or ``6 kg``: a positive decimal and, when given, its unit."""
    match = _QUANTITY.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a quantity such as 6, 2.5 or 2.5kg")
    try:
        value = Decimal(match["value"])
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only decimals
        raise ValueError(f"{text!r} is not a decimal number") from error
    if value <= 0:
        raise ValueError(f"{text!r}: the quantity must be positive")
    return value, match["unit"]


def parse_consumed(text: str) -> Consumed:
    """``LOT=QTY`` or ``LOT=QTY UNIT``; the last ``=`` splits, so a lot code may hold one."""
    lot_code, sep, quantity = text.rpartition("=")
    lot_code = lot_code.strip()
    if not sep or not lot_code:
        raise ValueError(f"{text!r} is not LOT=QUANTITY, e.g. FLOUR-00-R261125-01=6kg")
    value, unit = parse_quantity(quantity)
    return Consumed(lot_code=lot_code, quantity=value, unit=unit)


def parse_order_line(text: str) -> OrderLine:
    """``ORDER_ID:LINE_NO``, e.g. ``3f0c…e2:1`` (line numbers start at 1)."""
    order_id, sep, line_no = text.strip().rpartition(":")
    if not sep:
        raise ValueError(f"{text!r} is not ORDER_ID:LINE_NO")
    try:
        order = UUID(order_id)
    except ValueError:
        raise ValueError(f"{text!r}: {order_id!r} is not an order id (a UUID)") from None
    if not (line_no.isascii() and line_no.isdigit()) or int(line_no) < 1:
        raise ValueError(f"{text!r}: the line number must be a whole number from 1")
    return OrderLine(order_id=order, line_no=int(line_no))


MASS_UNITS = ("mg", "g", "kg")


@dataclass(frozen=True)
class ShipLine:
    """Part of an order line to ship, in the line's own unit."""

    line_no: int
    quantity: Decimal

    def as_json(self) -> dict[str, Any]:
        return {"line_no": self.line_no, "quantity": str(self.quantity)}


@dataclass(frozen=True)
class Parcel:
    """One parcel of a shipment, by its weight."""

    weight: Decimal
    unit: str = "kg"

    def as_json(self) -> dict[str, Any]:
        return {"weight": str(self.weight), "unit": self.unit}


def parse_ship_line(text: str) -> ShipLine:
    """``LINE_NO=QTY``, e.g. ``1=2``: ship 2 of line 1 (in the line's unit, so no unit)."""
    line_no, sep, quantity = text.partition("=")
    line_no = line_no.strip()
    if not sep or not line_no:
        raise ValueError(f"{text!r} is not LINE_NO=QUANTITY, e.g. 1=2")
    if not (line_no.isascii() and line_no.isdigit()) or int(line_no) < 1:
        raise ValueError(f"{text!r}: the line number must be a whole number from 1")
    value, unit = parse_quantity(quantity)
    if unit is not None:
        raise ValueError(f"{text!r}: give the quantity in the line's own unit, without one")
    return ShipLine(line_no=int(line_no), quantity=value)


def parse_parcel(text: str) -> Parcel:
    """A parcel's weight: ``1.2kg``, ``800 g`` or ``1.2`` (kilograms)."""
    value, unit = parse_quantity(text)
    unit = (unit or "kg").lower()
    if unit not in MASS_UNITS:
        raise ValueError(f"{text!r}: a parcel weight is in {', '.join(MASS_UNITS)}")
    return Parcel(weight=value, unit=unit)


def unique_lines(lines: list[ShipLine]) -> list[ShipLine]:
    """The lines as given, refusing a line named twice (which quantity would be meant?)."""
    seen: set[int] = set()
    for line in lines:
        if line.line_no in seen:
            raise ValueError(f"line {line.line_no} is given twice")
        seen.add(line.line_no)
    return lines


@dataclass(frozen=True)
class ItemQuantity:
    """An item and how much of it, e.g. a quoted line ``BISCUIT-JAR=10pc``."""

    item_code: str
    quantity: Decimal
    unit: str

    def as_json(self) -> dict[str, Any]:
        return {"item_code": self.item_code, "quantity": str(self.quantity), "unit": self.unit}


def parse_item_quantity(text: str) -> ItemQuantity:
    """``ITEM=QTYUNIT`` (``BISCUIT-JAR=10pc``, ``FLOUR=2.5 kg``); the unit is required."""
    item_code, sep, quantity = text.rpartition("=")
    item_code = item_code.strip()
    if not sep or not item_code:
        raise ValueError(f"{text!r} is not ITEM=QUANTITY, e.g. BISCUIT-JAR=10pc")
    value, unit = parse_quantity(quantity)
    if unit is None:
        raise ValueError(f"{text!r}: give the unit, e.g. {item_code}={value}pc")
    return ItemQuantity(item_code=item_code, quantity=value, unit=unit)
