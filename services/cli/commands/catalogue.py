"""Shops, the SKUs they sell, and the items Lotline makes, buys and sells."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from services.cli.client import segment
from services.cli.console import gateway, say

shop_app = typer.Typer(help="Shops whose webhooks Lotline accepts.", no_args_is_help=True)
sku_app = typer.Typer(help="Which item a shop's SKU stands for.", no_args_is_help=True)
item_app = typer.Typer(help="Items: what is made, bought and sold.", no_args_is_help=True)


class ItemKind(StrEnum):
    raw_material = "raw_material"
    packaging = "packaging"
    intermediate = "intermediate"
    finished_good = "finished_good"


@shop_app.command("add")
def shop_add(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(help="e.g. my-shop.myshopify.com")],
    secret: Annotated[str, typer.Option(help="The shop's webhook signing secret.")],
    channel: Annotated[str, typer.Option()] = "shopify",
) -> None:
    """Register a shop and the secret its webhooks are signed with."""
    with gateway(ctx) as gw:
        body = {"domain": domain, "channel": channel, "webhook_secret": secret}
        gw.request("POST", "/api/shops", json=body)
    say(f"shop {domain} registered (channel {channel})")


@sku_app.command("map")
def sku_map(ctx: typer.Context, domain: str, sku: str, item_code: str) -> None:
    """Map a shop's SKU to a Lotline item code."""
    with gateway(ctx) as gw:
        path = f"/api/shops/{segment(domain)}/sku-mappings/{segment(sku)}"
        gw.request("PUT", path, json={"item_code": item_code})
    say(f"{domain}: SKU {sku} → item {item_code}")


@item_app.command("add")
def item_add(
    ctx: typer.Context,
    code: str,
    name: Annotated[str, typer.Option()],
    unit: Annotated[
        str, typer.Option(help="Base unit stock is counted in (pc, g, kg, ml, l…).")
    ] = "pc",
    kind: Annotated[ItemKind, typer.Option()] = ItemKind.finished_good,
    supplier: Annotated[str | None, typer.Option(help="Who it is bought from.")] = None,
    lead_time_days: Annotated[
        int | None, typer.Option(min=0, help="Days from ordering it to having it.")
    ] = None,
    shelf_life_days: Annotated[
        int | None, typer.Option(min=0, help="Expiry of what is made or received without a date.")
    ] = None,
) -> None:
    """Create an item."""
    body: dict[str, Any] = {
        "code": code,
        "name": name,
        "kind": kind.value,
        "base_unit": unit,
        "shelf_life_days": shelf_life_days,
        "supplier": supplier,
        "lead_time_days": lead_time_days,
    }
    with gateway(ctx) as gw:
        gw.request("POST", "/api/items", json=body)
    extras = [
        f"from {supplier}" if supplier else None,
        f"lead time {lead_time_days} d" if lead_time_days is not None else None,
        f"shelf life {shelf_life_days} d" if shelf_life_days is not None else None,
    ]
    detail = "".join(f", {x}" for x in extras if x)
    say(f"item {code} created ({kind.value}, counted in {unit}{detail})")
