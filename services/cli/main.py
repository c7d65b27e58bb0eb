"""``lotline``: register shops and items, connect WooCommerce stores and Amazon sellers,
receive stock, define recipes, post Shopify webhooks, follow orders, run production, ship,
watch the write-backs to the shops, and trace lots (and recall them).

Every command is an HTTP call to the gateway (``--gateway-url`` / ``LOTLINE_GATEWAY_URL``)
with an API key (``--api-key`` / ``LOTLINE_API_KEY`` / ``api_key`` in the config file).
Exit codes: 0 done, 1 the gateway or the input refused it, 2 bad usage, 3 gateway unreachable.
"""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.client import DEFAULT_GATEWAY_URL, Connection, config_path, key_from_config
from services.cli.commands import (
    amazon,
    catalogue,
    channels,
    costs,
    demo,
    orders,
    outbound_webhooks,
    planning,
    production,
    recipes,
    shelf_life,
    shipping,
    stock,
    trace,
    webhook,
    woocommerce,
    write_backs,
)

app = typer.Typer(
    help="Lotline from the command line, through the gateway.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for sub, name in (
    (catalogue.shop_app, "shop"),
    (catalogue.sku_app, "sku"),
    (catalogue.item_app, "item"),
    (stock.stock_app, "stock"),
    (recipes.recipe_app, "recipe"),
    (orders.order_app, "order"),
    (production.production_app, "production"),
    (shipping.shipment_app, "shipment"),
    (write_backs.write_backs_app, "write-backs"),
    (trace.trace_app, "trace"),
    (webhook.webhook_app, "webhook"),
    (outbound_webhooks.hooks_app, "outbound-webhook"),
    (demo.demo_app, "demo"),
    (planning.line_app, "line"),
    (planning.purchase_app, "purchase"),
    (planning.reorder_app, "reorder"),
    (shelf_life.shelf_life_app, "shelf-life"),
    (costs.costs_app, "costs"),
    (planning.suggestion_app, "suggestion"),
    (channels.manual_app, "manual-order"),
    (channels.import_app, "import"),
    (woocommerce.woocommerce_app, "woocommerce"),
    (amazon.amazon_app, "amazon"),
):
    app.add_typer(sub, name=name)
app.command("can-make")(recipes.can_make)
app.command("ship")(shipping.ship)
app.command("quote")(planning.quote)


@app.callback()
def main(
    ctx: typer.Context,
    gateway_url: Annotated[
        str, typer.Option(envvar="LOTLINE_GATEWAY_URL", help="Base URL of the gateway.")
    ] = DEFAULT_GATEWAY_URL,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="LOTLINE_API_KEY",
            help="The API key sent as 'Authorization: Bearer'; else `api_key` in the config "
            "file (LOTLINE_CLI_CONFIG, default ~/.config/lotline/cli.toml).",
            show_default=False,
        ),
    ] = None,
) -> None:
    ctx.obj = Connection(gateway_url, api_key or key_from_config(config_path()))
