"""The new-order form as typed: read, checked for what a person can fix at once, and turned
into the bodies of a quote and of a manual order. Pure: form fields in, plain data out.

Rows left empty are ignored, so the form can offer spare lines; a half-filled row is a
mistake the person is shown, not a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

SOURCES: Final[dict[str, str]] = {"phone": "Phone", "email": "E-mail", "sales_rep": "Sales rep"}
SPARE_ROWS: Final = 3
MAX_ROWS: Final = 50


# A message (English, the key of its translation) and the numbers it names.
Problem = tuple[str, dict[str, int | str]]


@dataclass(frozen=True)
class Row:
    item_code: str = ""
    quantity: str = ""
    unit: str = "pc"
    unit_price: str = ""

    @property
    def empty(self) -> bool:
        return not (self.item_code or self.quantity or self.unit_price)


@dataclass(frozen=True)
class Entry:
    """What the operator typed, kept as text so the form shows it back unchanged."""

    fields: dict[str, str]
    rows: tuple[Row, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def lines(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if not r.empty)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


FIELDS: Final = (
    "source",
    "customer_name",
    "customer_email",
    "customer_locale",
    "address1",
    "postal_code",
    "city",
    "country_code",
    "reference",
    "sales_rep",
    "currency",
    "requested_on",
)


def blank(rows: int = SPARE_ROWS) -> Entry:
    return Entry({"source": "phone", "currency": "EUR", "country_code": "IT"}, (Row(),) * rows)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def read(form: Mapping[str, Any], *, extra_rows: int = 0) -> Entry:
    """The entry in ``form`` (``line-<n>-item_code`` …) with what is wrong with it."""
    fields = {name: str(form.get(name) or "").strip() for name in FIELDS}
    typed_rows = str(form.get("rows") or "")
    count = min(int(typed_rows) if typed_rows.isdigit() else SPARE_ROWS, MAX_ROWS)
    rows = tuple(
        Row(
            item_code=str(form.get(f"line-{n}-item_code") or "").strip().upper(),
            quantity=str(form.get(f"line-{n}-quantity") or "").strip(),
            unit=str(form.get(f"line-{n}-unit") or "pc").strip() or "pc",
            unit_price=str(form.get(f"line-{n}-unit_price") or "").strip(),
        )
        for n in range(1, count + 1)
    )
    rows += (Row(),) * min(extra_rows, MAX_ROWS - len(rows))
    return Entry(fields, rows, _problems(fields, rows))


def _problems(fields: Mapping[str, str], rows: tuple[Row, ...]) -> tuple[Problem, ...]:
    found: list[Problem] = []
    if fields.get("source") not in SOURCES:
        found.append(("Choose how the order came in.", {}))
    if not (fields.get("customer_name") or fields.get("customer_email")):
        found.append(("Give the customer's name or e-mail.", {}))
    if all(r.empty for r in rows):
        found.append(("Add at least one line.", {}))
    for number, row in enumerate(rows, start=1):
        if row.empty:
            continue
        quantity = _decimal(row.quantity)
        if not row.item_code or quantity is None or quantity <= 0:
            found.append(("Line {n}: give an item and a quantity above zero.", {"n": number}))
        price = _decimal(row.unit_price) if row.unit_price else Decimal(0)
        if price is None or price < 0:
            found.append(("Line {n}: the price must be a number, zero or more.", {"n": number}))
    return tuple(found)


def quote_body(entry: Entry) -> dict[str, Any]:
    """``POST /api/quotes``: what the lines would need, promised as of today."""
    return {
        "lines": [
            {"item_code": r.item_code, "quantity": str(_decimal(r.quantity)), "unit": r.unit}
            for r in entry.lines
        ]
    }


def order_body(entry: Entry) -> dict[str, Any]:
    """``POST /api/manual-orders``: the same typed entry always gives the same body, so the
    idempotency key of a double submit matches and makes one order."""
    address = {k: entry.get(k) or None for k in ("address1", "postal_code", "city", "country_code")}
    customer: dict[str, Any] = {
        "name": entry.get("customer_name") or None,
        "email": entry.get("customer_email") or None,
        "locale": entry.get("customer_locale") or None,
        "country_code": entry.get("country_code") or None,
    }
    if entry.get("address1") or entry.get("city"):
        customer["shipping_address"] = {"name": customer["name"], **address}
    lines = []
    for r in entry.lines:
        line: dict[str, Any] = {
            "item_code": r.item_code,
            "quantity": str(_decimal(r.quantity)),
            "unit": r.unit,
        }
        if r.unit_price:
            line["unit_price"] = str(_decimal(r.unit_price))
        lines.append(line)
    return {
        "source": entry.get("source"),
        "customer": customer,
        "lines": lines,
        "reference": entry.get("reference") or None,
        "sales_rep": entry.get("sales_rep") or None,
        "currency": (entry.get("currency") or "").upper() or None,
        "requested_on": entry.get("requested_on") or None,
    }
