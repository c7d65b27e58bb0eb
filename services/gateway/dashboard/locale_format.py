"""Dates, numbers and money as the reader writes them. ``babel`` is not among the pinned
requirements, so the two languages the dashboard speaks are written out here: English keeps
ISO dates (``2026-12-10``) and a decimal point; Italian writes ``10/12/2026``, a decimal comma,
a dot between thousands and the euro sign after the amount (``1.234,50 €``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared import decimal_text

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


def _parsed(value: Any) -> date | None:
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        # a plain date ("2026-12-10") stays a date, not midnight
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return None


def format_date(value: Any, language: str) -> str:
    """A date or timestamp (UTC as stored) in the reader's way; not a date: as given."""
    if value in (None, ""):
        return "—"
    parsed = _parsed(value)
    if parsed is None:
        return str(value)
    if language == "it":
        shown = f"{parsed.day:02d}/{parsed.month:02d}/{parsed.year}"
        if isinstance(parsed, datetime):
            shown += f" {parsed.hour:02d}:{parsed.minute:02d}"
        return shown
    if isinstance(parsed, datetime):
        return parsed.strftime("%Y-%m-%d %H:%M")
    return parsed.isoformat()


def format_number(value: Any, language: str, *, places: int | None = None) -> str:
    """An exact decimal without noise (``12.500`` → ``12.5``), or to ``places`` decimals;
    Italian with a decimal comma and dots between thousands."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    else:
        number = number.normalize()
    return decimal_text.in_language(format(number, "f"), language)


def format_money(amount: Any, currency: str | None, language: str) -> str:
    """``42.50 EUR`` in English, ``42,50 €`` in Italian."""
    code = (currency or "").upper()
    number = format_number(amount, language, places=2)
    if language == "it":
        return f"{number} {_SYMBOLS.get(code, code)}".strip()
    return f"{number} {code}".strip()
