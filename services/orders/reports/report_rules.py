"""The few numbers a maker watches, computed from plain facts: on-time rate, open backlog,
orders per channel per day, median time from order to ready-to-ship. Pure: the repository
reads the facts (``reports_repository``), these rules say what they add up to.

Days are UTC dates, like every date the services store; a window of ``days`` ends on (and
includes) ``as_of``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal


def window(as_of: date, days: int) -> tuple[date, date]:
    """The first and last day of the ``days`` days ending on ``as_of``."""
    if days < 1:
        raise ValueError(f"a window has at least one day, not {days}")
    return as_of - timedelta(days=days - 1), as_of


def days_of(as_of: date, days: int) -> list[date]:
    first, _ = window(as_of, days)
    return [first + timedelta(days=n) for n in range(days)]


@dataclass(frozen=True)
class Shipped:
    """An order that shipped completely, on ``shipped_on``, and what it had been promised."""

    shipped_on: date
    promised_on: date | None


@dataclass(frozen=True)
class OnTime:
    shipped: int  # shipped in the window, with or without a promise
    on_time: int  # shipped on or before the promised date
    late: int
    without_promise: int  # never promised a date: neither on time nor late

    @property
    def rate(self) -> Decimal | None:
        """On time out of those that had a promise, as a percentage (one decimal); None
        when none had one (no rate, rather than 0 % or 100 %)."""
        promised = self.on_time + self.late
        if promised == 0:
            return None
        percent = Decimal(100 * self.on_time) / Decimal(promised)
        return percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def on_time(shipped: Iterable[Shipped]) -> OnTime:
    """An order is on time when it shipped on or before the date it was promised."""
    made = list(shipped)
    promised = [s for s in made if s.promised_on is not None]
    kept = sum(1 for s in promised if s.promised_on is not None and s.shipped_on <= s.promised_on)
    return OnTime(
        shipped=len(made),
        on_time=kept,
        late=len(promised) - kept,
        without_promise=len(made) - len(promised),
    )


@dataclass(frozen=True)
class ChannelSeries:
    channel: str
    counts: tuple[int, ...]  # one per day of the window, oldest first

    @property
    def total(self) -> int:
        return sum(self.counts)


def per_channel(
    counted: Iterable[tuple[str, date, int]], days: Sequence[date]
) -> list[ChannelSeries]:
    """``(channel, day, orders)`` as one series per channel over every day of ``days`` (a day
    without orders is 0, not missing); the busiest channel first, then by name. Days outside
    the window are left out."""
    position = {day: n for n, day in enumerate(days)}
    by_channel: dict[str, list[int]] = {}
    for channel, day, count in counted:
        if day not in position:
            continue
        series = by_channel.setdefault(channel, [0] * len(days))
        series[position[day]] += count
    found = [ChannelSeries(channel, tuple(counts)) for channel, counts in by_channel.items()]
    return sorted(found, key=lambda s: (-s.total, s.channel))


def median_hours(durations: Iterable[timedelta]) -> Decimal | None:
    """The median of ``durations`` in hours (one decimal); None without any. A duration
    below zero (an order recorded after it was ready, as an import can be) counts as 0."""
    hours = [max(d.total_seconds(), 0.0) / 3600 for d in durations]
    if not hours:
        return None
    return Decimal(str(statistics.median(hours))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
