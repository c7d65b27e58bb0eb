"""The orders service's report (``GET /api/orders/report``) as the Reports page draws it: the
on-time share and the orders per channel per day as inline SVG, in the reader's language.
Pure: the page fetches, this shapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup

from services.gateway.dashboard.charts import Series, Share, colour, share_bar, stacked_bars
from services.gateway.dashboard.i18n import translate

ON_TIME, LATE, NO_PROMISE = "#009E73", "#D55E00", "#8a939e"


@dataclass(frozen=True)
class Legend:
    name: str
    colour: str
    total: int


@dataclass(frozen=True)
class ReportCharts:
    on_time: Markup
    per_channel: Markup
    legend: tuple[Legend, ...]


def _day(iso: str) -> str:
    """``2026-12-03`` → ``03/12``: a column label fits a phone."""
    day = date.fromisoformat(iso)
    return f"{day.day:02d}/{day.month:02d}"


def report_charts(report: Mapping[str, Any], language: str) -> ReportCharts:
    on_time = report["on_time"]
    shares = [
        Share(translate(language, "on time"), int(on_time["on_time"]), ON_TIME),
        Share(translate(language, "late"), int(on_time["late"]), LATE),
        Share(translate(language, "no promised date"), int(on_time["without_promise"]), NO_PROMISE),
    ]
    per = report["per_channel"]
    series = [Series(c["channel"], tuple(int(v) for v in c["counts"])) for c in per["channels"]]
    return ReportCharts(
        on_time=share_bar(
            shares, label=translate(language, "Shipped on time, late, without a promise")
        ),
        per_channel=stacked_bars(
            [_day(d) for d in per["days"]],
            series,
            label=translate(language, "Orders per channel per day"),
        ),
        legend=tuple(
            Legend(c["channel"], colour(n), int(c["total"])) for n, c in enumerate(per["channels"])
        ),
    )
