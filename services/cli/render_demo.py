"""The demo summary: where it lives, what it holds, and the commands to try it."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from services.cli import demo


def _available(stock: dict[str, dict[str, Any]], code: str) -> str:
    row = stock.get(code)
    return f"{row['available']} {row['unit']}" if row else "-"


def _skus(stock: dict[str, dict[str, Any]]) -> Table:
    skus = Table(title="SKUs, each mapped to the item of the same code", title_justify="left")
    skus.add_column("SKU / item")
    skus.add_column("Available", justify="right", no_wrap=True)
    skus.add_column("Lots (first to expire ships first)", no_wrap=True)
    for item in demo.ITEMS:
        lots = [
            f"{lot.lot_code}  {lot.quantity:>3} pc  expires {lot.expires_on}"
            for lot in sorted(demo.LOTS, key=lambda lot: lot.expires_on)
            if lot.item_code == item.code
        ]
        skus.add_row(
            f"{item.code}\n[dim]{item.name}[/dim]",
            _available(stock, item.code),
            "\n".join(lots) or "[yellow]none: orders wait for production[/yellow]",
        )
    return skus


def _materials(stock: dict[str, dict[str, Any]]) -> Table:
    materials = Table(title="Materials of the biscuits", title_justify="left")
    for heading in ("Item", "Kind", "Stock", "Supplier, lead time", "Keeps"):
        materials.add_column(heading, no_wrap=True)
    for item in demo.MATERIALS:
        supply = ", ".join(
            x
            for x in (
                item.supplier,
                f"{item.lead_time_days} d" if item.lead_time_days is not None else None,
            )
            if x
        )
        materials.add_row(
            item.code,
            item.kind,
            _available(stock, item.code),
            supply or "-",
            f"{item.shelf_life_days} d" if item.shelf_life_days is not None else "-",
        )
    return materials


def _recipes() -> Table:
    recipes = Table(title="Recipes (per batch)", title_justify="left")
    for heading in ("Item", "Batch", "Lines"):
        recipes.add_column(heading, no_wrap=True)
    for body in demo.RECIPES:
        batch = f"{body['batch_size']} {body['unit']}, yield {body['expected_yield']}"
        if body["whole_batches"]:
            batch += "\nwhole batches"
        lines = "\n".join(
            f"{ln['quantity']} {ln['unit']} {ln['item_code']}" for ln in body["lines"]
        )
        recipes.add_row(body["item_code"], batch, lines)
    return recipes


def demo_panel(base_url: str, stock: dict[str, dict[str, Any]]) -> Panel:
    """Where the demo lives, what it holds and how to post orders to it."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Gateway", base_url)
    facts.add_row("Shop", demo.SHOP)
    facts.add_row("Webhook secret", demo.SECRET)
    commands = Text.assemble(
        ("Post a sample order:\n", "bold"),
        demo.POST_SAMPLE_ORDER,
        ("\nMake to order: 30 jars of biscuits (4 in stock, flour short):\n", "bold"),
        demo.POST_BISCUIT_ORDER,
    )
    parts = Group(facts, _skus(stock), _materials(stock), _recipes(), commands)
    return Panel(parts, title="Lotline demo", title_align="left")
