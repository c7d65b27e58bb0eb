"""The completion form of a production order: the lots to consume, FEFO-proposed, and the
operator's answer read back into what production's complete endpoint accepts. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any


class FormError(ValueError):
    """A form the operator must correct; the message says which field."""


@dataclass(frozen=True)
class LotChoice:
    lot_code: str
    expires_on: str | None
    available: str
    unit: str


@dataclass(frozen=True)
class Row:
    """One consumed lot: the material, the proposed lot and quantity, the lots to pick from."""

    item_code: str
    lot_code: str
    quantity: str
    unit: str
    choices: tuple[LotChoice, ...]


def fefo(lots: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """First expiry first out; lots without an expiry last, then by code, so it is stable."""
    return sorted(lots, key=lambda lot: (lot.get("expires_on") or "9999-12-31", lot["lot_code"]))


def _choices(lots: Sequence[Mapping[str, Any]], keep: set[str]) -> tuple[LotChoice, ...]:
    usable = [
        lot
        for lot in fefo(lots)
        if lot["lot_code"] in keep
        or (not lot.get("blocked_reason") and Decimal(lot["available"]) > 0)
    ]
    return tuple(
        LotChoice(lot["lot_code"], lot.get("expires_on"), str(lot["available"]), lot["unit"])
        for lot in usable
    )


def proposed_rows(
    order: Mapping[str, Any], lots_by_item: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[Row]:
    """The lots inventory holds for the order (reserved FEFO) when it holds any; else the
    first-expiring available lot of each material. One empty row per material to add a lot."""
    rows: list[Row] = []
    held = order.get("reserved_lots") or []
    materials = order.get("materials") or []
    for lot in sorted(held, key=lambda x: (x["item_code"], x.get("expires_on") or "9999-12-31")):
        item = lot["item_code"]
        choices = _choices(lots_by_item.get(item, ()), {lot["lot_code"]})
        rows.append(Row(item, lot["lot_code"], str(lot["quantity"]), lot["unit"], choices))
    if not held:
        for material in materials:
            item = material["item_code"]
            choices = _choices(lots_by_item.get(item, ()), set())
            first = choices[0].lot_code if choices else ""
            rows.append(Row(item, first, str(material["quantity"]), material["unit"], choices))
    for material in materials:
        item = material["item_code"]
        unit = next((r.unit for r in rows if r.item_code == item), material["unit"])
        rows.append(Row(item, "", "", unit, _choices(lots_by_item.get(item, ()), set())))
    return rows


def _decimal(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise FormError(f"{field}: {text!r} is not a number") from None
    if not value.is_finite():
        raise FormError(f"{field}: {text!r} is not a number")
    return value


def completion_body(form: Mapping[str, str]) -> dict[str, Any]:
    """``output_quantity``, optional ``produced_on`` / ``output_lot_code``, and the rows
    ``lot_code_<n>`` / ``quantity_<n>`` / ``unit_<n>`` with a lot chosen."""
    output = form.get("output_quantity", "").strip()
    if not output:
        raise FormError("output quantity: required")
    body: dict[str, Any] = {"output_quantity": str(_decimal(output, "output quantity"))}
    produced_on = form.get("produced_on", "").strip()
    if produced_on:
        try:
            body["produced_on"] = date.fromisoformat(produced_on).isoformat()
        except ValueError:
            raise FormError(f"produced on: {produced_on!r} is not a date") from None
    lot_code = form.get("output_lot_code", "").strip()
    if lot_code:
        body["output_lot_code"] = lot_code
    consumed = []
    rows = sorted(
        int(key.removeprefix("lot_code_"))
        for key in form
        if key.startswith("lot_code_") and key.removeprefix("lot_code_").isdigit()
    )
    for n in rows:
        lot = form.get(f"lot_code_{n}", "").strip()
        if not lot:
            continue
        quantity = form.get(f"quantity_{n}", "").strip()
        if not quantity:
            raise FormError(f"quantity of lot {lot}: required")
        line = {"lot_code": lot, "quantity": str(_decimal(quantity, f"quantity of lot {lot}"))}
        unit = form.get(f"unit_{n}", "").strip()
        if unit:
            line["unit"] = unit
        consumed.append(line)
    if not consumed:
        raise FormError("choose at least one input lot")
    body["consumed"] = consumed
    return body
