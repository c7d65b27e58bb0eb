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


@shop_app.command("admin")
def shop_admin(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(help="e.g. my-shop.myshopify.com")],
    admin_api_url: Annotated[
        str | None,
        typer.Option(
            help="The Admin GraphQL endpoint; default "
            "https://DOMAIN/admin/api/2025-01/graphql.json (https; plain http only on loopback)."
        ),
    ] = None,
    access_token: Annotated[
        str | None,
        typer.Option(
            envvar="LOTLINE_SHOPIFY_ACCESS_TOKEN",
            help="The custom app's Admin API access token (shpat_…); it needs the "
            "fulfillment-order scopes.",
        ),
    ] = None,
    notify_customer: Annotated[
        bool | None,
        typer.Option(
            "--notify-customer/--no-notify-customer",
            help="Whether Shopify mails the customer when a fulfilment is created.",
        ),
    ] = None,
) -> None:
    """Let Lotline tell a Shopify shop what shipped: Admin API address, token, notifyCustomer.

    Only the options given change.
    """
    body: dict[str, Any] = {}
    if admin_api_url is not None:
        body["admin_api_url"] = admin_api_url
    if access_token is not None:
        body["access_token"] = access_token
    if notify_customer is not None:
        body["notify_customer"] = notify_customer
    if not body:
        raise typer.BadParameter(
            "give --admin-api-url, --access-token or --notify-customer/--no-notify-customer",
            param_hint="DOMAIN",
        )
    with gateway(ctx) as gw:
        shop = gw.request("PATCH", f"/api/shops/{segment(domain)}", json=body).json()
    token = "set" if shop["has_access_token"] else "none"
    notify = "on" if shop["notify_customer"] else "off"
    say(
        f"shop {domain}: Admin API {shop['admin_api_url']}, access token {token}, "
        f"notifyCustomer {notify}"
    )


@sku_app.command("map")
def sku_map(ctx: typer.Context, domain: str, sku: str, item_code: str) -> None:
    """Map a shop's SKU to a Lotline item code; for lines without a SKU give the variant or
    product id instead: ``variant:<id>``, ``product:<id>`` (Etsy: ``listing:<id>``)."""
    with gateway(ctx) as gw:
        path = f"/api/shops/{segment(domain)}/sku-mappings/{segment(sku)}"
        gw.request("PUT", path, json={"item_code": item_code})
    say(f"{domain}: {'' if ':' in sku else 'SKU '}{sku} → item {item_code}")


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
