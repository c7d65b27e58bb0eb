"""Rich views of production orders: the list and one order in full."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from services.cli.render import amount, cell, grid, shortage_text, status, table, when


def _batch(po: dict[str, Any]) -> Text:
    text = Text(po["id"] + "\n", style="bold")
    text.append(f"{po['item_code']} · {amount(po['quantity'], po['unit'])}\n", style="")
    text.append_text(status(po["status"]))
    return text


def _serves(po: dict[str, Any]) -> str:
    """The customer lines it serves (or the batch it is made for), and what it waits for."""
    if po["parent_production_order_id"]:
        parts = [f"made for batch {po['parent_production_order_id']}"]
    else:
        parts = [
            f"order {d['order_id']} line {d['line_no']}: {amount(d['quantity'], d['unit'])}"
            for d in po["demands"]
        ] or ["no customer line"]
    if po["status"] == "blocked_on_materials" and po["shortages"]:
        parts.append(f"waiting for {shortage_text(po['shortages'])}")
    return "\n".join(parts)


def production_table(orders: list[dict[str, Any]]) -> Table:
    """Production orders, each with what it serves and, while blocked, what it waits for."""
    return table(
        "Production orders",
        ("Production order", "Serves · waiting for"),
        [(_batch(po), _serves(po)) for po in orders],
    )


def _summary(po: dict[str, Any]) -> Table:
    state = status(po["status"])
    if po["reason"]:
        state.append(f" ({po['reason']})", style="dim")
    plan = [amount(po["quantity"], po["unit"])]
    if po["batches"] is not None:
        plan.append(f"{po['batches']} batch" + ("" if Decimal(str(po["batches"])) == 1 else "es"))
    if po["recipe_version"] is not None:
        plan.append(f"recipe v{po['recipe_version']}")
    rows: list[tuple[str, str | Text]] = [
        ("Status", state),
        ("Item", po["item_code"]),
        ("Quantity", " · ".join(plan)),
    ]
    if po["parent_production_order_id"]:
        rows.append(("Made for", f"production order {po['parent_production_order_id']}"))
    if po["output_lot_code"]:
        output = [
            f"lot {po['output_lot_code']}",
            amount(po["output_quantity"], po["output_unit"]),
            f"produced {po['produced_on']}",
            f"expires {cell(po['expires_on']) or '-'}",
        ]
        if not po["output_recorded_at"]:
            output.append("not yet in stock")
        rows.append(("Output", " · ".join(output)))
    rows.append(("Updated at", when(po["updated_at"])))
    return grid(rows)


def _makes(item_code: str, quantity: Any, unit: str, state: str) -> Text:
    text = Text(f"{amount(quantity, unit)} {item_code}\n")
    text.append_text(status(state))
    return text


def production_view(po: dict[str, Any]) -> Panel:
    """One production order: what it serves, needs, holds, lacks, made and went through."""
    sections: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = [
        (
            "Order lines served",
            ("Order", "Line", "Quantity"),
            [
                (d["order_id"], d["line_no"], amount(d["quantity"], d["unit"]))
                for d in po["demands"]
            ],
        ),
        (
            "Materials requested",
            ("Item", "Quantity"),
            [(m["item_code"], amount(m["quantity"], m["unit"])) for m in po["materials"]],
        ),
        (
            "Reserved lots",
            ("Item", "Lot", "Quantity", "Expires on"),
            [
                (r["item_code"], r["lot_code"], amount(r["quantity"], r["unit"]), r["expires_on"])
                for r in po["reserved_lots"]
            ],
        ),
        (
            "Shortages",
            ("Item", "Needed", "Available", "Missing", "Supplier", "Lead time"),
            [
                (
                    s["item_code"],
                    amount(s["needed"], None),
                    amount(s["available"], None),
                    amount(s["missing"], None),
                    s["supplier"] or "-",
                    f"{s['lead_time_days']} d" if s["lead_time_days"] is not None else "-",
                )
                for s in po["shortages"]
            ],
        ),
        (
            "Batches made for it",
            ("Production order", "Makes · status"),
            [
                (c["id"], _makes(c["item_code"], c["quantity"], c["unit"], c["status"]))
                for c in po["children"]
            ],
        ),
        (
            "Consumed",
            ("Item", "Lot", "Quantity"),
            [
                (c["item_code"], c["lot_code"], amount(c["quantity"], c["unit"]))
                for c in po["consumed"]
            ],
        ),
        (
            "History",
            ("At", "Status", "Reason"),
            [(when(h["created_at"]), h["status"], h["reason"]) for h in po["history"]],
        ),
    ]
    parts: list[RenderableType] = [_summary(po)]
    parts += [table(title, headings, rows) for title, headings, rows in sections if rows]
    return Panel(Group(*parts), title=f"Production order {po['id']}", title_align="left")
