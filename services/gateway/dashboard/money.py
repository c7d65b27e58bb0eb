"""An order's total: the sum of quantity × unit price over its priced lines, in its
currency. Pure; the same sum for the new-order form and for an order's page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class Total:
    amount: Decimal
    currency: str
    unpriced: int  # lines without a price, left out of the sum

    def __str__(self) -> str:
        return f"{self.amount.quantize(Decimal('0.01'))} {self.currency}".strip()


def _number(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def total_of(lines: Iterable[tuple[Any, Any]], currency: str | None) -> Total | None:
    """The total of ``(quantity, unit_price)`` pairs; None when no line has a price."""
    amount, priced, unpriced = Decimal(0), 0, 0
    for quantity, price in lines:
        q, p = _number(quantity), _number(price)
        if q is None or p is None:
            unpriced += 1
            continue
        amount += q * p
        priced += 1
    if not priced:
        return None
    return Total(amount, (currency or "").upper(), unpriced)


def order_total(order: dict[str, Any]) -> Total | None:
    """An order's total as the orders service lists its lines."""
    lines = order.get("lines") or []
    currency = order.get("currency") or next(
        (line.get("currency") for line in lines if line.get("currency")), None
    )
    return total_of(((line.get("quantity"), line.get("unit_price")) for line in lines), currency)
