"""An order's cost of goods, revenue and margin; the per-order sum is rounded once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from services.orders.costs.cost_rules import (
    CostedLot,
    CostedOrder,
    PricedLine,
    order_cost,
    summarise,
)


def line(no: int, net: str | None, quantity: str = "1") -> PricedLine:
    return PricedLine(
        no, f"ITEM-{no}", Decimal(quantity), "pc", None if net is None else Decimal(net)
    )


def lot(no: int, quantity: str, unit_cost: str | None, currency: str = "EUR") -> CostedLot:
    cost = None if unit_cost is None else Decimal(unit_cost)
    return CostedLot(no, f"LOT-{no}", Decimal(quantity), cost, currency)


def test_each_line_costs_its_own_lots_and_the_order_has_a_margin():
    cost = order_cost(
        [line(1, "10.00", "7"), line(2, "5.50", "2")],
        [lot(1, "4", "0.316071"), lot(1, "3", "0.30"), lot(2, "2", "1.25")],
        currency="EUR",
    )
    assert [c.cost for c in cost.lines] == [Decimal("2.164284"), Decimal("2.50")]
    assert cost.cost == Decimal("4.66")
    assert cost.revenue == Decimal("15.50")
    assert cost.margin == Decimal("10.84")
    assert cost.margin_percent == Decimal("69.94")


def test_the_order_sum_is_the_unrounded_line_costs_rounded_once():
    # Three lines of 0.004 each: rounded per line they would make 0.00, summed first 0.01.
    cost = order_cost(
        [line(1, "1"), line(2, "1"), line(3, "1")],
        [lot(1, "1", "0.004"), lot(2, "1", "0.004"), lot(3, "1", "0.004")],
        currency="EUR",
    )
    assert cost.cost == Decimal("0.01")


def test_a_line_without_lots_or_with_an_unknown_cost_leaves_the_order_unknown():
    no_lots = order_cost([line(1, "3"), line(2, "3")], [lot(1, "1", "1")], currency="EUR")
    assert no_lots.lines[0].cost == Decimal(1)
    assert no_lots.cost is None and no_lots.margin is None
    unknown = order_cost([line(1, "3")], [lot(1, "1", None)], currency="EUR")
    assert unknown.cost is None
    other_currency = order_cost([line(1, "3")], [lot(1, "1", "1", "USD")], currency="EUR")
    assert other_currency.cost is None


def test_the_month_summary_sums_per_channel_and_counts_uncosted_orders_apart():
    def placed(channel: str, day: date, net: str, unit_cost: str | None) -> CostedOrder:
        return CostedOrder(
            uuid4(),
            channel,
            day,
            order_cost([line(1, net)], [lot(1, "1", unit_cost)], currency="EUR"),
        )

    rows = summarise(
        [
            placed("shopify", date(2026, 12, 1), "10.00", "4.005"),
            placed("shopify", date(2026, 12, 20), "10.00", "4.005"),
            placed("shopify", date(2026, 12, 21), "9.00", None),
            placed("etsy", date(2026, 12, 2), "20.00", "5"),
            placed("shopify", date(2026, 11, 30), "1.00", "0.5"),
        ]
    )
    by_key = {(r.channel, r.month): r for r in rows}
    december = by_key[("shopify", "2026-12")]
    # each order shows 4.00 (4.005 half-even): the summary adds what was shown
    assert (december.orders, december.orders_without_cost) == (3, 1)
    assert (december.cost, december.revenue, december.margin) == (
        Decimal("8.00"),
        Decimal("20.00"),
        Decimal("12.00"),
    )
    assert december.margin_percent == Decimal("60.00")
    assert by_key[("etsy", "2026-12")].margin == Decimal("15.00")
    assert by_key[("shopify", "2026-11")].cost == Decimal("0.50")
