"""The recall preview as a CSV file, downloaded before the recall is issued, so the people
who decide (quality, the authority, the customers' account managers) read exactly what the
preview page shows: every lot reached, every shipment with its order and customer, every
customer, and what is still in stock. Pure: a forward trace's JSON in, the file's text out.

One row per fact, its ``what`` naming the kind; columns a kind has no value for stay empty.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any, Final

HEADER: Final = (
    "what",
    "lot_code",
    "item_code",
    "quantity",
    "unit",
    "order_id",
    "order_number",
    "shipment_id",
    "shipped_on",
    "customer",
    "customer_name",
    "customer_email",
)
UNSAFE: Final = re.compile(r"[^A-Za-z0-9._-]+")


def _amount(found: Mapping[str, Any]) -> tuple[str, str]:
    quantity = found.get("quantity") or {}
    return str(quantity.get("value") or ""), str(quantity.get("unit") or "")


def _row(what: str, **values: Any) -> tuple[str, ...]:
    return (what, *(str(values.get(name) or "") for name in HEADER[1:]))


def rows(trace: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The preview's facts: lots reached, shipments (one row per lot shipped), customers
    (their orders space-separated) and lots still in stock."""
    found: list[tuple[str, ...]] = []
    kind, _, start = str(trace.get("start", "")).partition(":")
    if kind == "lot":
        found.append(_row("lot", lot_code=start))
    for lot in trace.get("lots", ()):
        if lot["lot_code"] == start:
            continue
        value, unit = _amount(lot)
        found.append(
            _row(
                "lot",
                lot_code=lot["lot_code"],
                item_code=lot.get("item_code"),
                quantity=value,
                unit=unit,
            )
        )
    names = {c["customer"]: c for c in trace.get("customers", ())}
    for shipment in trace.get("shipments", ()):
        who = names.get(shipment.get("customer") or "", {})
        for lot in shipment.get("lots", ()):
            value, unit = _amount(lot)
            found.append(
                _row(
                    "shipment",
                    lot_code=lot["lot_code"],
                    item_code=lot.get("item_code"),
                    quantity=value,
                    unit=unit,
                    order_id=shipment.get("order_id"),
                    order_number=shipment.get("order_number"),
                    shipment_id=shipment.get("shipment_id"),
                    shipped_on=shipment.get("shipped_on"),
                    customer=shipment.get("customer"),
                    customer_name=who.get("name"),
                    customer_email=who.get("email"),
                )
            )
    for customer in trace.get("customers", ()):
        found.append(
            _row(
                "customer",
                order_id=" ".join(customer.get("order_ids", ())),
                customer=customer.get("customer"),
                customer_name=customer.get("name"),
                customer_email=customer.get("email"),
            )
        )
    for lot in trace.get("in_stock", ()):
        value, unit = _amount(lot)
        found.append(
            _row(
                "in_stock",
                lot_code=lot["lot_code"],
                item_code=lot.get("item_code"),
                quantity=value,
                unit=unit,
            )
        )
    return found


def text(trace: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows(trace))
    return out.getvalue()


def file_name(search: Mapping[str, str]) -> str:
    """``recall-preview-<lot>.csv`` (or the supplier's lot), safe in a header."""
    origin = search.get("lot") or f"{search.get('supplier', '')}-{search.get('supplier_lot', '')}"
    return f"recall-preview-{UNSAFE.sub('_', origin).strip('_') or 'lot'}.csv"
