"""Small charts drawn on the server as inline SVG: no JavaScript, no build step, readable
without colour (each bar and share has a ``<title>`` and the page a table beside it).

The SVG scales to its box (``viewBox``, the stylesheet sets the width); colours are
presentation attributes, so the strict content security policy needs no inline style. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

# Distinguishable for the common colour blindnesses (Okabe–Ito), darkest first.
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
OTHER = "#8a939e"

WIDTH, HEIGHT = 640, 200
AXIS = 28  # room below the bars for the day labels
LEFT = 30  # room left of the bars for the scale


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]  # one per column


@dataclass(frozen=True)
class Share:
    label: str
    value: int
    colour: str


def colour(n: int) -> str:
    return PALETTE[n] if n < len(PALETTE) else OTHER


def _top(highest: int) -> int:
    """A round top for the scale: 1, 2, 5, 10, 20, 50… the first at least ``highest``."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= highest:
                return step * magnitude
        magnitude *= 10


def stacked_bars(columns: Sequence[str], series: Sequence[Series], *, label: str) -> Markup:
    """One bar per column, the series stacked in it (the first at the bottom), with the
    scale's top at the left and every column's label below."""
    totals = [sum(s.values[n] for s in series) for n in range(len(columns))]
    top = _top(max(totals, default=0))
    room = HEIGHT - AXIS
    step = (WIDTH - LEFT) / max(len(columns), 1)
    bar = step * 0.7
    parts = [
        Markup(
            '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" '
            'xmlns="http://www.w3.org/2000/svg">'
        ).format(w=WIDTH, h=HEIGHT, label=label),
        Markup('<text x="0" y="12" class="scale">{}</text>').format(top),
        Markup('<line x1="{x}" y1="{y}" x2="{w}" y2="{y}" stroke="#d0d5dc"/>').format(
            x=LEFT, y=room, w=WIDTH
        ),
    ]
    for n, column in enumerate(columns):
        x = LEFT + n * step + (step - bar) / 2
        base = float(room)
        for k, s in enumerate(series):
            value = s.values[n]
            if not value:
                continue
            height = room * value / top
            base -= height
            parts.append(
                Markup(
                    '<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}">'
                    "<title>{name} · {column}: {value}</title></rect>"
                ).format(
                    x=x,
                    y=base,
                    w=bar,
                    h=height,
                    c=colour(k),
                    name=s.name,
                    column=column,
                    value=value,
                )
            )
        parts.append(
            Markup('<text x="{x:.1f}" y="{y}" text-anchor="middle" class="tick">{t}</text>').format(
                x=x + bar / 2, y=HEIGHT - 8, t=column
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def share_bar(shares: Sequence[Share], *, label: str) -> Markup:
    """One horizontal bar split into ``shares`` in proportion (empty when all are 0)."""
    total = sum(s.value for s in shares)
    parts = [
        Markup(
            '<svg class="chart share" viewBox="0 0 {w} 24" role="img" aria-label="{label}" '
            'xmlns="http://www.w3.org/2000/svg">'
        ).format(w=WIDTH, label=label),
        Markup('<rect x="0" y="0" width="{w}" height="24" fill="#f4f6f8"/>').format(w=WIDTH),
    ]
    x = 0.0
    for s in shares:
        if not s.value or not total:
            continue
        width = WIDTH * s.value / total
        parts.append(
            Markup(
                '<rect x="{x:.1f}" y="0" width="{w:.1f}" height="24" fill="{c}">'
                "<title>{label}: {value}</title></rect>"
            ).format(x=x, w=width, c=s.colour, label=s.label, value=s.value)
        )
        x += width
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
