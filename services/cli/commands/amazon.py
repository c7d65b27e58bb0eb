"""Amazon sellers (issue 19): connect one and give it new credentials (admins), read its
state, poll it now, and list its FBA sales. The Login with Amazon client secret and refresh
token are read from the environment or a hidden prompt, never from the command line."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from services.cli.client import segment
from services.cli.console import AsJson, dump, gateway, out, say, secret
from services.cli.render_channels import fba_view, poll_view, seller_view

amazon_app = typer.Typer(
    help="Amazon sellers: connect, show, poll, fba-sales, authorise.", no_args_is_help=True
)
CLIENT_SECRET_ENV = "LOTLINE_AMAZON_LWA_CLIENT_SECRET"
REFRESH_TOKEN_ENV = "LOTLINE_AMAZON_REFRESH_TOKEN"


class Region(StrEnum):
    na = "na"
    eu = "eu"
    fe = "fe"


def seller_path(seller_id: str) -> str:
    return f"/api/amazon/sellers/{segment(seller_id)}"


def _credentials(client_id: str) -> dict[str, str]:
    return {
        "lwa_client_id": client_id,
        "lwa_client_secret": secret(CLIENT_SECRET_ENV, "LWA client secret"),
        "refresh_token": secret(REFRESH_TOKEN_ENV, "Refresh token"),
    }


@amazon_app.command("connect")
def connect(
    ctx: typer.Context,
    seller_id: Annotated[str, typer.Argument(help="The selling partner (merchant) id.")],
    marketplace: Annotated[
        list[str], typer.Option("--marketplace", "-m", help="A marketplace id (repeat).")
    ],
    lwa_client_id: Annotated[str, typer.Option(help="The Login with Amazon client id.")],
    region: Annotated[Region, typer.Option(help="The SP-API endpoint.")] = Region.eu,
    as_json: AsJson = False,
) -> None:
    """Register a seller (admins). The client secret and refresh token are read from
    LOTLINE_AMAZON_LWA_CLIENT_SECRET and LOTLINE_AMAZON_REFRESH_TOKEN, else asked for
    without echo."""
    body = {
        "seller_id": seller_id,
        "marketplace_ids": marketplace,
        "region": region.value,
        **_credentials(lwa_client_id),
    }
    with gateway(ctx) as gw:
        seller = gw.request("POST", "/api/amazon/sellers", json=body).json()
    if as_json:
        dump(seller)
        return
    out.print(seller_view(seller))
    say(f"SKU mappings go under the shop {seller['domain']} (lotline sku map …)")


@amazon_app.command("authorise")
def authorise(
    ctx: typer.Context,
    seller_id: str,
    lwa_client_id: Annotated[str, typer.Option(help="The Login with Amazon client id.")],
    as_json: AsJson = False,
) -> None:
    """New credentials after the seller authorised the app again (admins): clears a
    revocation. Secrets as for connect."""
    path = f"{seller_path(seller_id)}/authorisation"
    with gateway(ctx) as gw:
        seller = gw.request("PUT", path, json=_credentials(lwa_client_id)).json()
    if as_json:
        dump(seller)
        return
    out.print(seller_view(seller))


@amazon_app.command("show")
def show(ctx: typer.Context, seller_id: str, as_json: AsJson = False) -> None:
    """The seller's state: marketplaces, region, authorisation (why it was revoked), last
    poll, and its FBA sales in sum."""
    with gateway(ctx) as gw:
        seller = gw.get(seller_path(seller_id))
        fba = gw.get(f"{seller_path(seller_id)}/fba-sales", params={"limit": 1})
    if as_json:
        dump(seller)
        return
    out.print(seller_view(seller, fba))


@amazon_app.command("poll")
def poll(ctx: typer.Context, seller_id: str, as_json: AsJson = False) -> None:
    """Read the seller's orders updated since its watermark, now."""
    with gateway(ctx, timeout=120.0) as gw:
        result = gw.request("POST", f"{seller_path(seller_id)}/poll").json()
    if as_json:
        dump(result)
        return
    say(poll_view(seller_id, result))


@amazon_app.command("fba-sales")
def fba_sales(
    ctx: typer.Context,
    seller_id: str,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: AsJson = False,
) -> None:
    """Orders Amazon fulfilled from its own warehouse: sales recorded, never factory
    demand; totals per currency."""
    with gateway(ctx) as gw:
        found = gw.get(f"{seller_path(seller_id)}/fba-sales", params={"limit": limit})
    if as_json:
        dump(found)
        return
    out.print(fba_view(found))
