"""Which language a customer is written to in, and dates and reasons in that language.

Names come from small tables, never from the process locale (which is shared, usually "C"
and not something a request may change).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from shared import decimal_text

SUPPORTED = ("it", "en")

MONTHS = {
    "it": (
        "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
        "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

WEEKDAYS = {
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

# Reason codes a channel or a person may give, told in words; None: not told at all.
# Any other reason is free text someone wrote for the customer and is shown as it is.
REASONS: dict[str, dict[str, str | None]] = {
    "it": {
        "customer": "ci ha chiesto di annullarlo",
        "inventory": "non abbiamo più disponibile un articolo",
        "declined": "il pagamento non è andato a buon fine",
        "materials_late": "una materia prima è arrivata in ritardo",
        "production_delayed": "la produzione ha richiesto più tempo del previsto",
        "carrier_delay": "il corriere ha segnalato un ritardo",
        "fraud": None,
        "other": None,
    },
    "en": {
        "customer": "you asked us to cancel it",
        "inventory": "an item is no longer available",
        "declined": "the payment did not go through",
        "materials_late": "a raw material arrived late",
        "production_delayed": "production took longer than planned",
        "carrier_delay": "the carrier reported a delay",
        "fraud": None,
        "other": None,
    },
}


def _language(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].lower()


def choose_locale(
    customer_locale: str | None, country_code: str | None, default: str = "en"
) -> str:
    """The customer's own language when we write it ("it", "it-IT", "it_IT"); with no
    language given, Italian for a customer in Italy; otherwise ``default``."""
    if customer_locale and customer_locale.strip():
        language = _language(customer_locale)
        return language if language in SUPPORTED else default
    if country_code and country_code.strip().upper() == "IT":
        return "it"
    return default


def as_date(value: date | str) -> date:
    """A date from the context: a ``date`` or an ISO string (as stored in JSON)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def long_date(value: date | str, locale: str) -> str:
    """ "venerdì 4 dicembre 2026" / "Friday 4 December 2026"."""
    day = as_date(value)
    weekday = WEEKDAYS[locale][day.weekday()]
    return f"{weekday} {day.day} {MONTHS[locale][day.month - 1]} {day.year}"


def reason_text(reason: str | None, locale: str) -> str | None:
    """A known reason code in words, free text as written, nothing for codes not told."""
    if reason is None or not reason.strip():
        return None
    code = reason.strip()
    if code.lower() in REASONS[locale]:
        return REASONS[locale][code.lower()]
    return code


def short_date(value: date | str, locale: str) -> str:
    """ "04/12/2026" in Italian; the ISO date ("2026-12-04") otherwise."""
    day = as_date(value)
    if locale == "it":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    return day.isoformat()


def number_text(value: Decimal | int | str, locale: str) -> str:
    """An exact decimal without noise (``1.500`` → ``1.5``); in Italian with a decimal comma
    and dots between thousands (``1.234,5``)."""
    number = Decimal(str(value))
    text = format(number.normalize(), "f") if number.is_finite() else str(value)
    if not number.is_finite():
        return text
    return decimal_text.in_language(text, locale)
