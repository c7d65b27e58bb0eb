"""Wholesale orders from a CSV file, validated row by row. Pure: text in, orders and
row errors out; the caller passes the items it knows.

Columns (header row required, names case-insensitive, order free, extra columns ignored):

==================  ========  ===============================================================
column              required  meaning
==================  ========  ===============================================================
order_reference     yes       the customer's order number; rows with one reference are one
                              order, and a reference is imported once, ever
customer_name       yes       who orders (a shop, a distributor)
customer_email      no        where the order confirmation goes
item                yes       the Lotline item code (``sku`` is accepted as the header)
quantity            yes       a plain decimal (``12``, ``2.5``)
unit                no        ``pc`` when empty; else one of shared.units.KNOWN_UNITS
requested_date      no        ``YYYY-MM-DD``: when the customer wants it
unit_price          no        a plain decimal; needs ``currency``
currency            no        ISO 4217, e.g. ``EUR``
==================  ========  ===============================================================

A bad row is reported with its line number (the header is line 1) and never blocks the
good rows: the order of a reference is made of its good rows. The order-level fields
(customer, e-mail, requested date, currency) come from the reference's first good row;
a later row that contradicts them is a bad row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from services.connectors.direct_orders.line_rules import (
    InvalidLine,
    checked_quantity,
    parse_quantity,
)
from shared.contracts.connectors import MAX_LINES_PER_ORDER
from shared.units import Money, Quantity

REQUIRED = ("order_reference", "customer_name", "item", "quantity")
OPTIONAL = ("customer_email", "unit", "requested_date", "unit_price", "currency")
ALIASES = {"sku": "item", "reference": "order_reference", "requested_on": "requested_date"}


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (no header, a required column missing)."""


@dataclass(frozen=True)
class RowError:
    line: int
    reference: str | None
    reason: str


@dataclass(frozen=True)
class WholesaleLine:
    line: int  # where it came from in the file
    item_code: str
    quantity: Quantity
    unit_price: Money | None


@dataclass
class WholesaleOrder:
    reference: str
    customer_name: str
    customer_email: str | None
    requested_on: date | None
    currency: str | None
    lines: list[WholesaleLine] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedFile:
    orders: list[WholesaleOrder]
    errors: list[RowError]


def _header(raw: list[str]) -> dict[str, int]:
    names = [ALIASES.get(n.strip().lower(), n.strip().lower()) for n in raw]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise UnreadableFile(
            f"line 1: the header lacks {', '.join(missing)}; required columns are "
            f"{', '.join(REQUIRED)}, optional {', '.join(OPTIONAL)}"
        )
    return {name: i for i, name in reversed(list(enumerate(names)))}


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text))
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def _date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidLine(f"requested_date {text!r} is not a date (YYYY-MM-DD)") from None


def _price(text: str, currency: str | None) -> Money | None:
    if not text:
        return None
    if not currency:
        raise InvalidLine("a unit_price needs a currency")
    try:
        amount = parse_quantity(text)
    except InvalidLine:
        raise InvalidLine(f"unit_price {text!r} is not a plain decimal number") from None
    if amount < 0:
        raise InvalidLine(f"unit_price {text} is negative")
    return Money(amount=amount, currency=currency)


def _read_row(
    values: Mapping[str, str], base_units: Mapping[str, str], line: int
) -> tuple[WholesaleOrder, WholesaleLine]:
    for column in REQUIRED:
        if not values[column]:
            raise InvalidLine(f"{column} is empty")
    currency = values["currency"].upper() or None
    if currency is not None and (len(currency) != 3 or not currency.isalpha()):
        raise InvalidLine(f"currency {currency!r} is not an ISO 4217 code")
    quantity = checked_quantity(
        values["item"],
        parse_quantity(values["quantity"]),
        values["unit"] or "pc",
        base_units=base_units,
    )
    head = WholesaleOrder(
        reference=values["order_reference"],
        customer_name=values["customer_name"],
        customer_email=values["customer_email"] or None,
        requested_on=_date(values["requested_date"]),
        currency=currency,
    )
    return head, WholesaleLine(
        line=line,
        item_code=values["item"],
        quantity=quantity,
        unit_price=_price(values["unit_price"], currency),
    )


def _contradiction(order: WholesaleOrder, head: WholesaleOrder) -> str | None:
    for name in ("customer_name", "customer_email", "requested_on", "currency"):
        mine, theirs = getattr(head, name), getattr(order, name)
        if mine != theirs:
            return f"{name} {mine!r} differs from {theirs!r} earlier in order {order.reference}"
    return None


def parse(text: str, *, base_units: Mapping[str, str]) -> ParsedFile:
    """Every row read and judged on its own; good rows grouped into orders by reference."""
    rows = _rows(text.lstrip("\ufeff"))
    first = next(rows, None)
    if first is None:
        raise UnreadableFile("the file is empty: a header row is required")
    columns = _header(first[1])
    orders: dict[str, WholesaleOrder] = {}
    errors: list[RowError] = []
    too_long: dict[str, int] = {}  # reference -> the row past the bound
    for line, record in rows:
        if not any(cell.strip() for cell in record):
            continue  # blank line
        values = {
            name: (
                record[columns[name]].strip()
                if columns.get(name, len(record)) < len(record)
                else ""
            )
            for name in REQUIRED + OPTIONAL
        }
        reference = values["order_reference"] or None
        try:
            head, order_line = _read_row(values, base_units, line)
        except (InvalidLine, ValueError) as error:
            errors.append(RowError(line=line, reference=reference, reason=str(error)))
            continue
        order = orders.setdefault(head.reference, head)
        clash = _contradiction(order, head)
        if clash is not None:
            errors.append(RowError(line=line, reference=reference, reason=clash))
            continue
        order.lines.append(order_line)
        if len(order.lines) == MAX_LINES_PER_ORDER + 1:
            too_long[head.reference] = line
    for ref, line in too_long.items():  # refused whole, never imported in part
        reason = (
            f"order {ref} has {len(orders.pop(ref).lines)} lines, more than {MAX_LINES_PER_ORDER}"
        )
        errors.append(RowError(line=line, reference=ref, reason=reason))
    return ParsedFile(orders=list(orders.values()), errors=errors)


def item_codes(text: str) -> set[str]:
    """The item codes a file names, so the caller can look up only those (empty when the
    file has no readable header: ``parse`` then says why)."""
    rows = _rows(text.lstrip("\ufeff"))
    first = next(rows, None)
    try:
        column = _header(first[1])["item"] if first else None
    except UnreadableFile:
        return set()
    if column is None:
        return set()
    return {record[column].strip() for _, record in rows if column < len(record)} - {""}
