"""WooCommerce stores (issue 17 §3): connect one (admins), read its state and orders, and
reconcile it now. The REST API keys and the webhook secret are read from the environment
or a hidden prompt, never from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.client import segment
from services.cli.console import AsJson, dump, gateway, out, say, secret
from services.cli.render_channels import reconcile_view, store_view, woo_orders_table

woocommerce_app = typer.Typer(
    help="WooCommerce stores: connect, show, reconcile.", no_args_is_help=True
)
KEY_ENV = "LOTLINE_WOOCOMMERCE_CONSUMER_KEY"
SECRET_ENV = "LOTLINE_WOOCOMMERCE_CONSUMER_SECRET"
WEBHOOK_ENV = "LOTLINE_WOOCOMMERCE_WEBHOOK_SECRET"


def store_path(shop: str) -> str:
    return f"/api/woocommerce/stores/{segment(shop)}"


@woocommerce_app.command("connect")
def connect(
    ctx: typer.Context,
    shop: Annotated[str, typer.Argument(help="Lotline's name for it: lower case, digits, . -")],
    base_url: Annotated[str, typer.Option(help="The store's address (https).")],
    as_json: AsJson = False,
) -> None:
    """Register a store (admins). Keys from WooCommerce → Settings → Advanced → REST API
    (Read/Write); a webhook secret you make up (openssl rand -hex 32). Each is read from
    its LOTLINE_WOOCOMMERCE_… variable, else asked for without echo."""
    body = {
        "shop": shop,
        "base_url": base_url,
        "consumer_key": secret(KEY_ENV, "Consumer key"),
        "consumer_secret": secret(SECRET_ENV, "Consumer secret"),
        "webhook_secret": secret(WEBHOOK_ENV, "Webhook secret"),
    }
    with gateway(ctx) as gw:
        store = gw.request("POST", "/api/woocommerce/stores", json=body).json()
    if as_json:
        dump(store)
        return
    out.print(store_view(store))
    say(
        "next: in WordPress add three webhooks (Order created, updated, deleted) with the "
        f"delivery URL <gateway>{store['webhook_path']} and the same webhook secret"
    )


@woocommerce_app.command("show")
def show(
    ctx: typer.Context,
    shop: str,
    orders: Annotated[int, typer.Option(help="Also list this many recent orders.")] = 0,
    as_json: AsJson = False,
) -> None:
    """The store's state: URL, key's last four, webhook path, watermark, last error."""
    with gateway(ctx) as gw:
        store = gw.get(store_path(shop))
        recent = gw.get(f"{store_path(shop)}/orders", params={"limit": orders}) if orders else []
    if as_json:
        dump({**store, "orders": recent} if orders else store)
        return
    out.print(store_view(store))
    if orders:
        out.print(woo_orders_table(recent))


@woocommerce_app.command("reconcile")
def reconcile(ctx: typer.Context, shop: str, as_json: AsJson = False) -> None:
    """Read every order changed since the store's watermark, now; exit 1 if the run failed."""
    with gateway(ctx, timeout=120.0) as gw:
        run = gw.request("POST", f"{store_path(shop)}/reconcile").json()
    if as_json:
        dump(run)
    else:
        out.print(reconcile_view(shop, run))
    if run["error"]:
        raise typer.Exit(1)
