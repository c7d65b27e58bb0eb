"""Pure parsing of the compact option values some commands take (``LOT=QTY``,
``ORDER:LINE``), so a typo is a usage error before anything is sent."""

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
