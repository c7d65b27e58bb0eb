"""The benchmark's headline: the highest rate that kept every promise, sustained or said not
to be."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from bench import report


def rate(offered: float, *, p99: float = 400.0, exact: bool = True) -> dict[str, Any]:
    return {
        "offered_per_second": offered, "sent": 10, "answered_2xx": 10, "errors": 0,
        "settled": 10, "lost": 0, "duplicates": 0, "achieved_per_second": offered,
        "answer_ms": {"p50": 1.0, "p99": 2.0}, "drained": True, "drain_seconds": 1.0,
        "settle_ms": {"p50": 100.0, "p95": 200.0, "p99": p99, "max": p99},
        "transactions_per_order": 3.0, "kafka_messages_per_order": 7.0,
        "settlement": {"orders": 10, "lines": 12, "exact": 12 if exact else 11,
                       "over": 0 if exact else 1, "under": 0, "held_holding": 0,
                       "all_exact": exact},
    }  # fmt: skip


def test_a_rate_whose_lines_are_not_exactly_reserved_is_never_the_headline() -> None:
    assert report.headline([rate(10), rate(25)]) == 25
    assert report.headline([rate(10), rate(25, exact=False)]) == 10
    assert report.headline([rate(10), rate(25, p99=1500)]) == 10


def test_the_table_says_when_the_rates_were_held_less_than_a_minute() -> None:
    out = io.StringIO()
    result = {
        "rates": [rate(10), rate(25, exact=False)],
        "headline": {"orders_per_second": 10, "held_seconds": 20, "sustained": False},
    }

    report.print_table(result, Console(file=out, width=220))

    text = out.getvalue()
    assert "held only 20 s, below the 60 s the headline asks" in text
    assert "12/12" in text and "11/12 !" in text
