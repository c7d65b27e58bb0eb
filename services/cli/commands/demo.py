"""The demo data set, for a first look."""

from __future__ import annotations

import typer

from services.cli import demo, demo_marketplaces, render_demo
from services.cli.console import gateway, out, say, warn

demo_app = typer.Typer(help="The demo data set.", no_args_is_help=True)


@demo_app.command("seed")
def demo_seed(ctx: typer.Context) -> None:
    """Create the demo shop, items, SKU mappings, stock and recipes, and connect the demo
    Amazon seller and WooCommerce store when their local fakes run; safe to run again."""
    with gateway(ctx) as gw:
        steps = demo.seed(gw, notify=warn)
        marketplaces = demo_marketplaces.discover()
        if marketplaces is not None:
            steps += demo_marketplaces.seed(gw, marketplaces)
        stock = demo.demo_stock(gw)
    for what, outcome in steps:
        out.print(f"  {outcome:<13} {what}", markup=False, highlight=False, soft_wrap=True)
    if marketplaces is not None:
        say(
            f"Demo marketplaces at {demo_marketplaces.marketplaces_url()}: their orders are under "
            "Orders (channels amazon and woocommerce); what Amazon and the store see now: "
            f"curl {demo_marketplaces.marketplaces_url()}/status"
        )
    else:
        say(
            f"No demo marketplaces at {demo_marketplaces.marketplaces_url()}: the demo Amazon "
            "seller and WooCommerce store are skipped (make run starts them)."
        )
    out.print(render_demo.demo_panel(gw.base_url, stock))
    say("The same commands on one line, to copy:")
    say(demo.POST_SAMPLE_ORDER)
    say(demo.POST_BISCUIT_ORDER)
