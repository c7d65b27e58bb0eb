"""A quote as the operator reads it to the customer: the date we can deliver by, whether
that misses the date the customer asked for (and by how many days), and the order's total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.gateway.dashboard.manual_entry import Entry
from services.gateway.dashboard.money import Total, total_of


@dataclass(frozen=True)
class QuoteView:
    promised_on: date | None
    asked_for: date | None
    total: Total | None

    @property
    def days_late(self) -> int:
        """Days past the asked-for date; 0 when it is met or either date is unknown."""
        if self.promised_on is None or self.asked_for is None:
            return 0
        return max((self.promised_on - self.asked_for).days, 0)


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def view_of(entry: Entry, quote: dict[str, Any]) -> QuoteView:
    lines = ((row.quantity, row.unit_price) for row in entry.lines)
    return QuoteView(
        promised_on=_day(quote.get("promised_on")),
        asked_for=_day(entry.get("requested_on")),
        total=total_of(lines, entry.get("currency")),
    )
