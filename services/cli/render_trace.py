"""Rich views of traces and recalls: what a lot became, what an order was made of."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from services.cli.render import amount, table


def _qty(value: dict[str, Any] | None) -> str:
    return amount(value, None) if value else "-"


def _uses(uses: list[dict[str, Any]]) -> str:
    """``BISC-P1 6 pc`` per lot, one per line."""
    return "\n".join(f"{u['lot_code']} {_qty(u['quantity'])}" for u in uses) or "-"


def headline(trace: dict[str, Any]) -> str:
    """``forward from lot FLOUR-R261125-01: 3 lots, 4 shipments, 3 customers``."""
    kind, _, code = trace["start"].partition(":")
    counts = [
        (len(trace["lots"]), "lot"),
        (len(trace["production_orders"]), "production order"),
        (len(trace["shipments"]), "shipment"),
        (len(trace["customers"]), "customer"),
        (len(trace["suppliers"]), "supplier"),
    ]
    said = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts if n)
    start = f"{kind.replace('_', ' ')} {code.replace(chr(0x1F), ' / ')}"
    return f"{trace['direction']} from {start}: {said or 'nothing reached'}"


def trace_view(trace: dict[str, Any]) -> RenderableType:
    """Every section the trace reached, as tables; empty sections are left out."""
    parts: list[RenderableType] = [Text(headline(trace), style="bold")]
    if trace["lots"]:
        parts.append(
            table(
                "Lots",
                ("Lot", "Item", "Depth", "Made / received", "On", "On hand", "Made by / from"),
                (
                    (
                        x["lot_code"],
                        x["item_code"],
                        x["depth"],
                        _qty(x["quantity"]),
                        x["dated_on"],
                        _qty(x["on_hand"]),
                        "\n".join(x["made_by"] + x["supplier_lots"]) or "-",
                    )
                    for x in trace["lots"]
                ),
            )
        )
    if trace["production_orders"]:
        parts.append(
            table(
                "Production orders",
                ("Production order", "Item", "Produced", "Consumed", "Made"),
                (
                    (
                        p["production_order_id"],
                        p["item_code"],
                        p["produced_on"],
                        _uses(p["consumed"]),
                        _uses(p["made"]),
                    )
                    for p in trace["production_orders"]
                ),
            )
        )
    if trace["shipments"]:
        parts.append(
            table(
                "Shipments",
                ("Shipped", "Shipment", "Order", "Customer", "Lots"),
                (
                    (
                        s["shipped_on"],
                        s["shipment_id"],
                        s["order_number"] or s["order_id"],
                        s["customer"] or "-",
                        _uses(s["lots"]),
                    )
                    for s in trace["shipments"]
                ),
            )
        )
    if trace["customers"]:
        parts.append(
            table(
                "Customers",
                ("Customer", "Name", "Orders", "Received"),
                (
                    (c["customer"], c["name"] or "-", len(c["order_ids"]), _uses(c["shipped"]))
                    for c in trace["customers"]
                ),
            )
        )
    if trace["supplier_lots"]:
        parts.append(
            table(
                "Supplier lots",
                ("Supplier", "Supplier lot", "Item", "Our lots"),
                (
                    (s["supplier"], s["supplier_lot_code"], s["item_code"], _uses(s["lots"]))
                    for s in trace["supplier_lots"]
                ),
            )
        )
    if trace["in_stock"]:
        parts.append(
            table(
                "Still in stock",
                ("Lot", "Item", "On hand"),
                ((s["lot_code"], s["item_code"], _qty(s["quantity"])) for s in trace["in_stock"]),
            )
        )
    return Group(*parts)
