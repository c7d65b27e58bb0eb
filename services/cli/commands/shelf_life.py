"""Minimum remaining shelf life per channel or per customer (issue 17 §2)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

import typer

from services.cli import render
from services.cli.console import AsJson, dump, gateway, out, say

shelf_life_app = typer.Typer(
    help="Minimum remaining shelf life per channel or customer.", no_args_is_help=True
)


class Scope(StrEnum):
    CHANNEL = "channel"
    CUSTOMER = "customer"


Who = Annotated[
    str,
    typer.Argument(
        help="The channel (shopify, etsy, manual, wholesale…) or the customer's "
        "e-mail or wholesale name."
    ),
]


def rule_body(days: int | None, fraction: str | None) -> dict[str, Any]:
    """What the API takes; a rule asking for nothing is refused here, before any request."""
    if days is None and fraction is None:
        raise typer.BadParameter("give --days, --fraction or both", param_hint="--days")
    return {"min_days": days, "min_fraction": fraction}


def rule_path(scope: Scope, who: str) -> str:
    return f"/api/shelf-life-rules/{scope.value}/{quote(who, safe='')}"


@shelf_life_app.command("set")
def shelf_life_set(
    ctx: typer.Context,
    scope: Scope,
    who: Who,
    days: Annotated[
        int | None, typer.Option(min=0, help="At least this many days left when reserved.")
    ] = None,
    fraction: Annotated[
        str | None, typer.Option(help="At least this share of the whole shelf life left: 2/3.")
    ] = None,
) -> None:
    """Set (or replace) the rule; a customer's rule wins over its channel's."""
    body = rule_body(days, fraction)
    with gateway(ctx) as gw:
        rule = gw.request("PUT", rule_path(scope, who), json=body).json()
    say(f"{rule['scope']} {rule['key']}: lots need {rule['needs']} left")


@shelf_life_app.command("list")
def shelf_life_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Every rule, channels first."""
    with gateway(ctx) as gw:
        found = gw.get("/api/shelf-life-rules")
    if as_json:
        dump(found)
        return
    rows = [(r["scope"], r["key"], r["needs"]) for r in found]
    out.print(render.table("Minimum shelf life", ("Scope", "For", "Needs"), rows))


@shelf_life_app.command("delete")
def shelf_life_delete(ctx: typer.Context, scope: Scope, who: Who) -> None:
    """Remove the rule; orders already reserved keep the rule they were reserved under."""
    with gateway(ctx) as gw:
        gw.request("DELETE", rule_path(scope, who))
    say(f"{scope.value} {who}: no minimum shelf life any more")
