"""Recipes (what a batch of an item consumes) and "can we make it?"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from services.cli import render_recipes as view
from services.cli.client import post_when_known, segment
from services.cli.console import AsJson, dump, fail, gateway, out, warn

recipe_app = typer.Typer(help="Recipes: what one batch of an item consumes.", no_args_is_help=True)


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_bytes())
    except ValueError as error:
        fail(f"{file}: not JSON: {error}")


@recipe_app.command("add")
def recipe_add(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="JSON: item_code, batch_size, unit, expected_yield, whole_batches, "
            "duration_minutes, lines [{item_code, quantity, unit}].",
        ),
    ],
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            help="Seconds to retry while production does not know an item yet "
            "(items reach it a moment after they are created).",
        ),
    ] = 20.0,
) -> None:
    """Store the file's recipe as the item's next version, the active one."""
    body = _read_json(file)
    with gateway(ctx) as gw:
        recipe = post_when_known(
            gw,
            "/api/recipes",
            body,
            wait=wait,
            on_retry=lambda detail: warn(f"{detail}: retrying for up to {wait:g} s"),
        ).json()
    out.print(view.recipe_view(recipe))


@recipe_app.command("show")
def recipe_show(ctx: typer.Context, item_code: str, as_json: AsJson = False) -> None:
    """An item's active recipe and its earlier versions."""
    with gateway(ctx) as gw:
        answer = gw.get(f"/api/recipes/{segment(item_code)}")
    if as_json:
        dump(answer)
    else:
        out.print(view.recipe_versions(answer))


@recipe_app.command("list")
def recipe_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Every active recipe."""
    with gateway(ctx) as gw:
        recipes = gw.get("/api/recipes")
    if as_json:
        dump(recipes)
    elif not recipes:
        out.print("no recipes yet: `recipe add FILE.json`", markup=False)
    else:
        out.print(view.recipes_table(recipes))


def can_make(
    ctx: typer.Context,
    item_code: str,
    quantity: Annotated[str, typer.Argument(help="A decimal number, e.g. 30 or 12.5.")],
    unit: Annotated[str, typer.Option(help="The unit of QUANTITY.")] = "pc",
    as_json: AsJson = False,
) -> None:
    """Can we make QUANTITY of ITEM? Reserves nothing.

    The recipe exploded through every level against available stock, with what must be
    bought and its lead time.
    """
    body = {"item_code": item_code, "quantity": quantity, "unit": unit}
    with gateway(ctx) as gw:
        answer = gw.request("POST", "/api/availability", json=body).json()
    if as_json:
        dump(answer)
    else:
        out.print(view.availability_view(answer))
