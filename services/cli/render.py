"""Rich views of the gateway's answers: stock, orders, the demo summary."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from services.cli import demo

STATUS_STYLE = {
    "received": "cyan",
    "on_hold": "red",
    "awaiting_production": "yellow",
    "ready_to_ship": "green",
    "cancelled": "dim",
}


def status(value: str) -> Text:
    return Text(value, style=f"bold {STATUS_STYLE.get(value, '')}".strip())


def stock_table(rows: list[dict[str, Any]], *, title: str | None = "Stock") -> Table:
    table = Table(title=title)
    table.add_column("Item")
    table.add_column("Unit")
    for heading in ("On hand", "Reserved", "Available"):
        table.add_column(heading, justify="right")
    for row in rows:
        table.add_row(
            row["item_code"], row["unit"], row["on_hand"], row["reserved"], row["available"]
        )
    return table


def orders_table(orders: list[dict[str, Any]]) -> Table:
    table = Table(title="Orders")
    for heading in ("Id", "Channel", "External id", "Number", "Status", "Updated"):
        table.add_column(heading)
    for o in orders:
        table.add_row(
            o["id"],
            o["channel"],
            o["external_id"],
            o["external_number"] or "",
            status(o["status"]),
            o["updated_at"],
        )
    return table


def _summary(order: dict[str, Any]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    customer = order.get("customer") or {}
    state = status(order["status"])
    if order.get("hold_reason"):
        state.append(f" ({order['hold_reason']})", style="red")
    who = [customer.get("name"), customer.get("email"), customer.get("country_code")]
    grid.add_row("Status", state)
    grid.add_row("Channel", f"{order['channel']} · shop {order['shop']}")
    grid.add_row("External", f"{order['external_id']} {order['external_number'] or ''}".strip())
    grid.add_row("Customer", " · ".join(str(w) for w in who if w) or "-")
    grid.add_row("Placed at", order.get("placed_at") or "-")
    return grid


def _table(title: str, headings: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """Only the title column wraps; codes, quantities and dates stay whole."""
    table = Table(title=title, title_justify="left")
    for heading in headings:
        table.add_column(heading, no_wrap=heading != "Title")
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    return table


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _sku(line: dict[str, Any]) -> str:
    if line["item_code"] == line["sku"]:
        return str(line["sku"])
    return f"{line['sku']} → {line['item_code'] or 'unmapped'}"


def _quantity(row: dict[str, Any], key: str = "quantity") -> str:
    return f"{row[key]} {row['unit']}"


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
                    f"{_cell(ln['unit_price'])} {_cell(ln['currency'])}".strip(),
                )
                for ln in order["lines"]
            ],
        ),
        (
            "Reserved lots",
            ("#", "Item", "Lot", "Quantity", "Expires on"),
            [
                (r["line_no"], r["item_code"], r["lot_code"], _quantity(r), r["expires_on"])
                for r in order["reservations"]
            ],
        ),
        (
            "Shortages",
            ("#", "Item", "Missing"),
            [(s["line_no"], s["item_code"], _quantity(s, "missing")) for s in order["shortages"]],
        ),
        (
            "Production",
            ("#", "Item", "Quantity", "Production order"),
            [
                (p["line_no"], p["item_code"], _quantity(p), p["production_order_id"])
                for p in order["production_orders"]
            ],
        ),
        (
            "History",
            ("At", "From", "To", "Reason"),
            [(h["at"], h["previous"] or "-", h["status"], h["reason"]) for h in order["history"]],
        ),
    ]
    parts: list[RenderableType] = [_summary(order)]
    parts += [_table(title, headings, rows) for title, headings, rows in sections if rows]
    return Panel(Group(*parts), title=f"Order {order['id']}", title_align="left")


def demo_panel(base_url: str, stock: list[dict[str, Any]]) -> Panel:
    """Where the demo lives, what it holds and how to post an order to it."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Gateway", base_url)
    facts.add_row("Shop", demo.SHOP)
    facts.add_row("Webhook secret", demo.SECRET)
    names = {item.code: item.name for item in demo.ITEMS}
    skus = Table(title="SKUs, each mapped to the item of the same code", title_justify="left")
    skus.add_column("SKU / item")
    skus.add_column("Available", justify="right", no_wrap=True)
    skus.add_column("Lots (first to expire ships first)", no_wrap=True)
    for row in stock:
        code = row["item_code"]
        lots = [
            f"{lot.lot_code}  {lot.quantity:>3} pc  expires {lot.expires_on}"
            for lot in sorted(demo.LOTS, key=lambda lot: lot.expires_on)
            if lot.item_code == code
        ]
        skus.add_row(
            f"{code}\n[dim]{names[code]}[/dim]",
            f"{row['available']} {row['unit']}",
            "\n".join(lots) or "[yellow]none: orders wait for production[/yellow]",
        )
    command = Text.assemble(("Post a sample order:\n", "bold"), demo.POST_SAMPLE_ORDER)
    return Panel(Group(facts, skus, command), title="Lotline demo", title_align="left")
