"""Inline SVG charts: bars in proportion to a round scale, shares in proportion, names
escaped, nothing drawn for nothing."""

from __future__ import annotations

import re

import pytest

from services.gateway.dashboard.charts import Series, Share, share_bar, stacked_bars
from services.gateway.dashboard.report_view import report_charts


def rects(svg: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'(\w+)="([^"]*)"', m)) for m in re.findall(r"<rect ([^>]*)>", svg)]


def test_stacked_bars_scale_to_a_round_top_and_stack_each_day():
    svg = str(
        stacked_bars(
            ["01/12", "02/12"],
            [Series("shopify", (3, 0)), Series("etsy", (1, 2))],
            label="Orders",
        )
    )

    bars = rects(svg)
    heights = [float(b["height"]) for b in bars]
    assert len(bars) == 3  # nothing drawn for the day shopify had none
    assert '<text x="0" y="12" class="scale">5</text>' in svg  # 4 at most: the scale says 5
    assert heights[0] == pytest.approx(3 * heights[1], abs=0.1)
    assert heights[2] == pytest.approx(2 * heights[1], abs=0.1)
    assert float(bars[1]["y"]) + heights[1] == pytest.approx(float(bars[0]["y"]), abs=0.1)
    assert "<title>shopify · 01/12: 3</title>" in svg and "01/12</text>" in svg


def test_a_share_bar_splits_its_width_in_proportion_and_escapes_labels():
    svg = str(
        share_bar(
            [Share("on <time>", 3, "#0f0"), Share("late", 1, "#f00"), Share("none", 0, "#999")],
            label="Shipped",
        )
    )

    widths = [float(b["width"]) for b in rects(svg)[1:]]
    assert widths == [480.0, 160.0]
    assert "on &lt;time&gt;: 3" in svg and "<time>" not in svg


def test_the_report_is_drawn_in_the_readers_language():
    report = {
        "on_time": {"on_time": 1, "late": 1, "without_promise": 0},
        "per_channel": {
            "days": ["2026-12-01", "2026-12-02"],
            "channels": [{"channel": "shopify", "counts": [1, 2], "total": 3}],
        },
    }

    charts = report_charts(report, "it")

    assert "<title>puntuali: 1</title>" in str(charts.on_time)
    assert 'aria-label="Ordini per canale al giorno"' in str(charts.per_channel)
    assert "02/12</text>" in str(charts.per_channel)
    assert [(leg.name, leg.total) for leg in charts.legend] == [("shopify", 3)]
