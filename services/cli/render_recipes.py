"""Rich views of recipes and of "can we make it?"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from services.cli.render import amount, cell, grid, table, when


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _recipe_lines(recipe: dict[str, Any]) -> str:
    return "\n".join(f"{ln['quantity']} {ln['unit']} {ln['item_code']}" for ln in recipe["lines"])


def recipe_view(recipe: dict[str, Any]) -> Panel:
    """One recipe version: what a batch makes and what it consumes."""
    facts = grid(
        [
            ("Batch", f"{recipe['batch_size']} {recipe['unit']}"),
            ("Expected yield", cell(recipe["expected_yield"])),
            ("Whole batches", _yes_no(recipe["whole_batches"])),
            ("Duration", f"{recipe['duration_minutes']} min"),
            ("Created at", when(recipe["created_at"])),
        ]
    )
    lines = table(
        "Per batch",
        ("#", "Item", "Quantity"),
        [
            (ln["line_no"], ln["item_code"], amount(ln["quantity"], ln["unit"]))
            for ln in recipe["lines"]
        ],
    )
    state = "active" if recipe["active"] else "inactive"
    title = f"Recipe {recipe['item_code']} v{recipe['version']} ({state})"
    return Panel(Group(facts, lines), title=title, title_align="left")


def recipe_versions(answer: dict[str, Any]) -> Group:
    """The active version in full, then every version in one line each."""
    parts: list[RenderableType] = []
    if answer["active"] is not None:
        parts.append(recipe_view(answer["active"]))
    else:
        parts.append(Text(f"{answer['item_code']} has no active recipe", style="yellow"))
    if len(answer["versions"]) > 1:
        parts.append(
            table(
                "Versions",
                ("Version", "Active", "Batch", "Yield", "Lines", "Created at"),
                [
                    (
                        v["version"],
                        _yes_no(v["active"]),
                        amount(v["batch_size"], v["unit"]),
                        v["expected_yield"],
                        _recipe_lines(v),
                        when(v["created_at"]),
                    )
                    for v in answer["versions"]
                ],
            )
        )
    return Group(*parts)


def recipes_table(recipes: list[dict[str, Any]]) -> Table:
    return table(
        "Active recipes",
        ("Item", "Version", "Batch", "Yield", "Whole", "Lines"),
        [
            (
                r["item_code"],
                f"v{r['version']}",
                amount(r["batch_size"], r["unit"]),
                r["expected_yield"],
                _yes_no(r["whole_batches"]),
                _recipe_lines(r),
            )
            for r in recipes
        ],
    )


def verdict(answer: dict[str, Any]) -> Text:
    """One line: can it start now, and if not, what must be bought and how long that takes."""
    wanted = f"{answer['quantity']} {answer['unit']} of {answer['item_code']}"
    if answer["can_start_now"]:
        return Text(f"Yes: {wanted} can be started now.", style="bold green")
    to_buy = [
        f"{m['short']} {m['unit']} {m['item_code']}"
        for m in answer["materials"]
        if Decimal(str(m["short"])) > 0
    ]
    days = answer["material_lead_days"]
    wait = f"longest lead time {days} days" if days is not None else "no lead time known"
    return Text(f"Not yet: buy {', '.join(to_buy)} first ({wait}).", style="bold yellow")


def _missing(material: dict[str, Any]) -> Text:
    """What is missing, and whether production makes it or it must be bought."""
    missing = amount(material["missing"], material["unit"])
    if Decimal(str(material["made"])) > 0:
        return Text(f"{missing} made", style="cyan")
    if Decimal(str(material["short"])) > 0:
        return Text(f"{missing} buy", style="bold yellow")
    return Text(missing)


def availability_view(answer: dict[str, Any]) -> Group:
    """Each production level, each material with its supplier, and the verdict."""
    productions = table(
        "Productions (deepest level first)",
        ("Level", "Item", "Planned", "Batches", "Recipe"),
        [
            (
                p["level"],
                p["item_code"],
                amount(p["planned"], p["unit"]),
                p["batches"],
                f"v{p['recipe_version']}",
            )
            for p in answer["productions"]
        ],
    )
    materials = table(
        "Materials (made here: intermediates; the rest is bought)",
        ("Lvl", "Item", "Needed", "Available", "Missing", "Supplier", "Lead"),
        [
            (
                m["level"],
                m["item_code"],
                amount(m["needed"], m["unit"]),
                amount(m["available"], m["unit"]),
                _missing(m),
                m["supplier"] or "-",
                f"{m['lead_time_days']} d" if m["lead_time_days"] is not None else "-",
            )
            for m in answer["materials"]
        ],
    )
    return Group(productions, materials, verdict(answer))
