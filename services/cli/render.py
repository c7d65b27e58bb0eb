"""Rich views of the gateway's answers: shared pieces, stock and customer orders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from services.cli.statuses import STYLE


def status(value: str) -> Text:
    return Text(value, style=f"bold {STYLE.get(value, '')}".strip())


def stock_table(rows: list[dict[str, Any]], *, title: str | None = "Stock") -> Table:
    stock = Table(title=title)
    stock.add_column("Item")
    stock.add_column("Unit")
    for heading in ("On hand", "Reserved", "Available"):
        stock.add_column(heading, justify="right")
    for row in rows:
        stock.add_row(
            row["item_code"], row["unit"], row["on_hand"], row["reserved"], row["available"]
        )
    return stock


def lots_table(lots: list[dict[str, Any]], *, with_item: bool = True) -> Table:
    """Lots in the order FEFO uses them: earliest expiry first, undated last."""
    ordered = sorted(lots, key=lambda x: (x["expires_on"] is None, x["expires_on"] or "", x["id"]))
    headings = ("Lot · expires on", "On hand", "Reserved", "Available")
    rows = []
    for x in ordered:
        lot = Text(x["lot_code"])
        lot.append(f"\n{x['expires_on'] or 'no expiry'}", style="dim")
        numbers = [amount(x[key], x["unit"]) for key in ("on_hand", "reserved", "available")]
        rows.append((x["item_code"], lot, *numbers) if with_item else (lot, *numbers))
    return table(
        "Lots (first to expire first)", ("Item", *headings) if with_item else headings, rows
    )


def orders_table(orders: list[dict[str, Any]]) -> Table:
    """Orders, one row each: the id to copy, where it came from, where it stands."""
    rows = []
    for o in orders:
        origin = " ".join(x for x in (o["channel"], o["external_number"], o["external_id"]) if x)
        state = status(o["status"])
        state.append(f"\n{when(o['updated_at'])}", style="dim")
        rows.append((Text(f"{o['id']}\n{origin}"), state))
    return table("Orders", ("Order", "Status · updated"), rows)


def _summary(order: dict[str, Any]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    customer = order.get("customer") or {}
    state = status(order["status"])
    if order.get("hold_reason"):
        state.append(f" ({order['hold_reason']})", style="red")
    who = [customer.get("name"), customer.get("email"), customer.get("country_code")]
    if order.get("is_test"):
        state.append(
            " · TEST ORDER (creates no demand unless its shop runs a trial)", style="yellow"
        )
    grid.add_row("Status", state)
    grid.add_row("Channel", f"{order['channel']} · shop {order['shop']}")
    grid.add_row("External", f"{order['external_id']} {order['external_number'] or ''}".strip())
    grid.add_row("Customer", " · ".join(str(w) for w in who if w) or "-")
    grid.add_row("Placed at", order.get("placed_at") or "-")
    if order.get("promised_on"):
        grid.add_row("Promised", f"{order['promised_on']} ({order.get('promise_reason') or '-'})")
    return grid


WRAPPING = frozenset(
    {
        "Title",
        "Reason",
        "Serves · waiting for",
        "Status · waiting for",
        "Supplier",
        "Makes · status",
        "Summary · shipment",
        "Lots",
        "Write-back · shop order · shipment · last error",
        "Expected",
        "Batch",
    }
)


def table(title: str, headings: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """Only prose columns wrap (a word too long for them folds); codes, quantities and dates
    stay whole."""
    result = Table(title=title, title_justify="left")
    for heading in headings:
        if heading in WRAPPING:
            result.add_column(heading, overflow="fold")
        else:
            result.add_column(heading, no_wrap=True)
    for row in rows:
        result.add_row(*(value if isinstance(value, Text) else cell(value) for value in row))
    return result


def cell(value: Any) -> str:
    return "" if value is None else str(value)


def grid(rows: list[tuple[str, str | Text]]) -> Table:
    """Labels and values; a value too long for the line (a link) folds, never truncates."""
    result = Table.grid(padding=(0, 2))
    result.add_column(style="bold")
    result.add_column(overflow="fold")
    for label, value in rows:
        result.add_row(label, value)
    return result


def when(timestamp: str | None) -> str:
    """``2026-11-25T14:51:01.624701Z`` as ``2026-11-25 14:51:01`` (UTC)."""
    return (timestamp or "")[:19].replace("T", " ")


def amount(value: Any, unit: str | None) -> str:
    """``{"value": "4", "unit": "kg"}`` or a bare number with its unit, as ``4 kg``."""
    if isinstance(value, dict):
        return f"{value.get('value')} {value.get('unit')}"
    return f"{cell(value)} {unit or ''}".strip()


def shortage_text(shortages: Sequence[dict[str, Any]]) -> str:
    """``FLOUR-00 short 4 kg (Mulino Rossi, 10 d)`` per material, for one cell."""
    parts = []
    for s in shortages:
        supply = ", ".join(
            x
            for x in (
                s.get("supplier"),
                f"{s['lead_time_days']} d" if s.get("lead_time_days") else None,
            )
            if x
        )
        parts.append(
            f"{s['item_code']} short {amount(s['missing'], None)}"
            + (f" ({supply})" if supply else "")
        )
    return "; ".join(parts)


def _sku(line: dict[str, Any]) -> str:
    if line["item_code"] == line["sku"]:
        return str(line["sku"])
    return f"{line['sku']} → {line['item_code'] or 'unmapped'}"


def _quantity(row: dict[str, Any], key: str = "quantity") -> str:
    return f"{row[key]} {row['unit']}"


def _expected(missing: dict[str, Any]) -> str:
    """By an open purchase order, else by the supplier's lead time, else not yet known."""
    if missing.get("expected_on"):
        return f"{missing['expected_on']} (purchase order)"
    if missing.get("arrives_on"):
        return f"{missing['arrives_on']} ({missing.get('lead_time_days')} d lead time)"
    return "no date: nothing brings it yet"


def _production_status(link: dict[str, Any]) -> Text:
    """The batch's status and, while it is blocked, what it waits for."""
    text = status(link["status"])
    waiting = shortage_text(link.get("material_shortages") or [])
    if waiting and link["status"] == "blocked_on_materials":
        text.append(f"\n{waiting}", style="")
    return text


def order_view(order: dict[str, Any]) -> Panel:
    """One order: summary, lines, and what Lotline did about them."""
    sections: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = [
        (
            "Lines",
            ("#", "SKU → item", "Title", "Quantity", "Price"),
            [
                (
                    ln["line_no"],
                    _sku(ln),
                    ln["title"],
                    _quantity(ln),
                    f"{cell(ln['unit_price'])} {cell(ln['currency'])}".strip(),
                )
                for ln in order["lines"]
            ],
        ),
        (
            "Reserved lots",
            ("#", "Lot", "Quantity", "Expires on"),
            [
                (r["line_no"], r["lot_code"], _quantity(r), r["expires_on"])
                for r in order["reservations"]
            ],
        ),
        (
            "Shortages",
            ("#", "Item", "Missing"),
            [(s["line_no"], s["item_code"], _quantity(s, "missing")) for s in order["shortages"]],
        ),
        (
            "Materials missing (any recipe level)",
            ("Item", "Missing", "Expected", "Batch"),
            [
                (
                    m["item_code"],
                    "?" if m["missing"] is None else f"{m['missing']} {m['unit']}",
                    _expected(m),
                    m["production_order_id"],
                )
                for m in order.get("missing_materials") or []
            ],
        ),
        (
            "Production",
            ("#", "Production order", "Status · waiting for"),
            [
                (
                    p["line_no"],
                    f"{p['production_order_id']}\n{p['item_code']} · {_quantity(p)}",
                    _production_status(p),
                )
                for p in order["production_orders"]
            ],
        ),
        (
            "History",
            ("At", "Status", "Reason"),
            [(when(h["at"]), h["status"], h["reason"]) for h in order["history"]],
        ),
    ]
    parts: list[RenderableType] = [_summary(order)]
    parts += [table(title, headings, rows) for title, headings, rows in sections if rows]
    return Panel(Group(*parts), title=f"Order {order['id']}", title_align="left")
