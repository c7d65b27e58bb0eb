"""Cost of goods of an order: the cost of the exact lots reserved to each line, the revenue
(the lines' net prices, discounts taken), the margin and the margin %; and the per channel,
per month summary for the accountant.

Rounding (the same rule as ``services.inventory.stock.costing_rules``): lot unit costs arrive at 6
decimal places; a line's cost is the exact sum of quantity × unit cost over its lots and is
never rounded; the order's cost is the sum of its unrounded line costs, rounded half-even to
the cent **once**, so no cent is lost or made up between the lines and the total. Revenue is
the sum of the lines' net prices, rounded the same way. Margin = revenue − cost (both in
cents); margin % = margin / revenue × 100, half-even to 2 places. A month's summary sums the
orders' cent amounts as shown per order, so the summary equals the sum of its CSV rows.

Unknown stays unknown: a line with no lots yet, or a lot whose unit cost is unknown or in
another currency than the order's, has no cost, and then neither has the order (nor its
margin); the summary counts such orders apart instead of adding a wrong number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from uuid import UUID

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class CostedLot:
    """A lot reserved (or shipped) to an order line and its unit cost, as inventory said."""

    line_no: int
    lot_code: str
    quantity: Decimal
    unit_cost: Decimal | None
    currency: str | None

    @property
    def cost(self) -> Decimal | None:
        return None if self.unit_cost is None else self.quantity * self.unit_cost


@dataclass(frozen=True)
class PricedLine:
    line_no: int
    item_code: str | None
    quantity: Decimal
    unit: str
    net: Decimal | None


@dataclass(frozen=True)
class LineCost:
    line_no: int
    item_code: str | None
    quantity: Decimal
    unit: str
    lots: tuple[CostedLot, ...]
    cost: Decimal | None  # exact, unrounded
    revenue: Decimal | None


@dataclass(frozen=True)
class OrderCost:
    currency: str | None
    lines: tuple[LineCost, ...]
    cost: Decimal | None  # cents
    revenue: Decimal | None  # cents
    margin: Decimal | None
    margin_percent: Decimal | None


def _line_cost(lots: Sequence[CostedLot], currency: str | None) -> Decimal | None:
    if not lots:
        return None
    total = Decimal(0)
    for lot in lots:
        cost = lot.cost
        if cost is None or (currency is not None and lot.currency != currency):
            return None
        total += cost
    return total


def margin_percent(margin: Decimal, revenue: Decimal) -> Decimal | None:
    if revenue == 0:
        return None
    return (margin * 100 / revenue).quantize(CENT, rounding=ROUND_HALF_EVEN)


def order_cost(
    lines: Sequence[PricedLine], lots: Iterable[CostedLot], *, currency: str | None
) -> OrderCost:
    """``currency`` is the order's; an order without one takes its lots' single currency."""
    lots = list(lots)
    if currency is None:
        currencies = {lot.currency for lot in lots if lot.currency is not None}
        currency = currencies.pop() if len(currencies) == 1 else None
    by_line: dict[int, list[CostedLot]] = {}
    for lot in lots:
        by_line.setdefault(lot.line_no, []).append(lot)
    costed = tuple(
        LineCost(
            line_no=line.line_no,
            item_code=line.item_code,
            quantity=line.quantity,
            unit=line.unit,
            lots=tuple(by_line.get(line.line_no, ())),
            cost=_line_cost(by_line.get(line.line_no, ()), currency),
            revenue=line.net,
        )
        for line in lines
    )
    line_costs = [line.cost for line in costed]
    cost = (
        to_cents(sum((c for c in line_costs if c is not None), Decimal(0)))
        if costed and all(c is not None for c in line_costs)
        else None
    )
    revenues = [line.revenue for line in costed]
    revenue = (
        to_cents(sum((r for r in revenues if r is not None), Decimal(0)))
        if costed and all(r is not None for r in revenues)
        else None
    )
    margin = None if cost is None or revenue is None else revenue - cost
    return OrderCost(
        currency=currency,
        lines=costed,
        cost=cost,
        revenue=revenue,
        margin=margin,
        margin_percent=None
        if margin is None or revenue is None
        else margin_percent(margin, revenue),
    )


@dataclass(frozen=True)
class CostedOrder:
    order_id: UUID
    channel: str
    placed_on: date
    cost: OrderCost


@dataclass(frozen=True)
class MonthSummary:
    channel: str
    month: str  # 2026-12
    currency: str | None
    orders: int
    orders_without_cost: int
    cost: Decimal
    revenue: Decimal
    margin: Decimal
    margin_percent: Decimal | None


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def summarise(orders: Iterable[CostedOrder]) -> list[MonthSummary]:
    """Per channel, month and currency: the orders with a known cost and revenue summed (their
    cent amounts), the others counted in ``orders_without_cost``."""
    groups: dict[tuple[str, str, str | None], list[CostedOrder]] = {}
    for order in orders:
        key = (order.channel, month_of(order.placed_on), order.cost.currency)
        groups.setdefault(key, []).append(order)
    result = []
    for (channel, month, currency), members in sorted(
        groups.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2] or "")
    ):
        known = [o.cost for o in members if o.cost.margin is not None]
        cost = sum((c.cost for c in known if c.cost is not None), Decimal(0))
        revenue = sum((c.revenue for c in known if c.revenue is not None), Decimal(0))
        result.append(
            MonthSummary(
                channel=channel,
                month=month,
                currency=currency,
                orders=len(members),
                orders_without_cost=len(members) - len(known),
                cost=to_cents(cost),
                revenue=to_cents(revenue),
                margin=to_cents(revenue - cost),
                margin_percent=margin_percent(revenue - cost, revenue),
            )
        )
    return result
