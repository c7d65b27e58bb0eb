"""The reports' arithmetic: on time, per channel per day, median time to ready."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.orders.reports.report_rules import (
    ChannelSeries,
    OnTime,
    Shipped,
    days_of,
    median_hours,
    on_time,
    per_channel,
    window,
)

DEC_10 = date(2026, 12, 10)


def test_a_window_of_n_days_ends_on_and_includes_its_last_day():
    assert window(DEC_10, 30) == (date(2026, 11, 11), DEC_10)
    assert days_of(DEC_10, 3) == [date(2026, 12, 8), date(2026, 12, 9), DEC_10]
    with pytest.raises(ValueError):
        window(DEC_10, 0)


def test_shipped_on_the_promised_day_is_on_time_a_day_after_is_late_no_promise_is_neither():
    counted = on_time(
        [
            Shipped(DEC_10, DEC_10),
            Shipped(DEC_10, DEC_10 + timedelta(days=3)),
            Shipped(DEC_10, DEC_10 - timedelta(days=1)),
            Shipped(DEC_10, None),
        ]
    )

    assert counted == OnTime(shipped=4, on_time=2, late=1, without_promise=1)
    assert counted.rate == Decimal("66.7")


def test_no_promised_shipment_gives_no_rate_rather_than_zero():
    assert on_time([Shipped(DEC_10, None)]).rate is None
    assert on_time([]).rate is None
    assert on_time([Shipped(DEC_10, DEC_10)]).rate == Decimal("100.0")


def test_orders_per_channel_fill_quiet_days_with_zero_and_put_the_busiest_first():
    days = days_of(DEC_10, 3)

    series = per_channel(
        [
            ("etsy", date(2026, 12, 9), 1),
            ("shopify", date(2026, 12, 8), 2),
            ("shopify", DEC_10, 3),
            ("shopify", date(2026, 11, 1), 50),  # outside the window
            ("manual", DEC_10, 1),
        ],
        days,
    )

    assert series == [
        ChannelSeries("shopify", (2, 0, 3)),
        ChannelSeries("etsy", (0, 1, 0)),
        ChannelSeries("manual", (0, 0, 1)),
    ]
    assert series[0].total == 5


def test_the_median_time_to_ready_is_in_hours_and_ignores_nothing_but_negative_time():
    hours = [timedelta(hours=h) for h in (1, 30, 2)]

    assert median_hours(hours) == Decimal("2.0")
    assert median_hours([*hours, timedelta(hours=5)]) == Decimal("3.5")
    assert median_hours([timedelta(minutes=-5), timedelta(minutes=90)]) == Decimal("0.8")
    assert median_hours([]) is None
