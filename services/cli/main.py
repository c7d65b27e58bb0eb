"""``lotline``: register shops and items, receive stock, post Shopify webhooks, read orders.

Every command is an HTTP call to the gateway (``--gateway-url`` / ``LOTLINE_GATEWAY_URL``).
Exit codes: 0 done, 1 the gateway or the input refused it, 2 bad usage, 3 gateway unreachable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console

from services.cli import demo, render, shopify
from services.cli.client import DEFAULT_GATEWAY_URL, Gateway, GatewayError, describe, segment

app = typer.Typer(
    help="Lotline from the command line, through the gateway.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
shop_app = typer.Typer(help="Shops whose webhooks Lotline accepts.", no_args_is_help=True)
sku_app = typer.Typer(help="Which item a shop's SKU stands for.", no_args_is_help=True)
item_app = typer.Typer(help="Items: what is made, bought and sold.", no_args_is_help=True)
stock_app = typer.Typer(help="Lots received and stock on hand.", no_args_is_help=True)
order_app = typer.Typer(help="Customer orders.", no_args_is_help=True)
webhook_app = typer.Typer(help="Play a marketplace: post signed webhooks.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo data set.", no_args_is_help=True)
for sub, name in (
    (shop_app, "shop"),
    (sku_app, "sku"),
    (item_app, "item"),
    (stock_app, "stock"),
    (order_app, "order"),
    (webhook_app, "webhook"),
    (demo_app, "demo"),
):
    app.add_typer(sub, name=name)

out = Console()
err = Console(stderr=True)
UNREACHABLE = 3


class ItemKind(StrEnum):
    raw_material = "raw_material"
    packaging = "packaging"
    intermediate = "intermediate"
    finished_good = "finished_good"


@app.callback()
def main(
    ctx: typer.Context,
    gateway_url: Annotated[
        str, typer.Option(envvar="LOTLINE_GATEWAY_URL", help="Base URL of the gateway.")
    ] = DEFAULT_GATEWAY_URL,
) -> None:
    ctx.obj = gateway_url


def fail(message: str, *, code: int = 1) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def gateway(ctx: typer.Context) -> Iterator[Gateway]:
    """The gateway client; its errors become one line on stderr and an exit code."""
    try:
        with Gateway(ctx.obj) as client:
            yield client
    except GatewayError as error:
        fail(str(error), code=UNREACHABLE if error.status is None else 1)


def say(message: str) -> None:
    out.print(message, markup=False, highlight=False, soft_wrap=True)


def dump(data: Any) -> None:
    out.print_json(data=data)


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
    unit: Annotated[str, typer.Option(help="Base unit stock is counted in.")] = "pc",
    kind: Annotated[ItemKind, typer.Option()] = ItemKind.finished_good,
    shelf_life_days: Annotated[int | None, typer.Option(min=0)] = None,
) -> None:
    """Create an item."""
    body = {
        "code": code,
        "name": name,
        "kind": kind.value,
        "base_unit": unit,
        "shelf_life_days": shelf_life_days,
    }
    with gateway(ctx) as gw:
        gw.request("POST", "/api/items", json=body)
    say(f"item {code} created ({kind.value}, counted in {unit})")


@stock_app.command("receive")
def stock_receive(
    ctx: typer.Context,
    item_code: str,
    lot: Annotated[str, typer.Option(help="Lot code.")],
    quantity: Annotated[str, typer.Option(help="A decimal number, e.g. 40 or 12.5.")],
    unit: Annotated[str, typer.Option()] = "pc",
    expires: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Expiry date, YYYY-MM-DD.")
    ] = None,
) -> None:
    """Receive a lot into stock (goods receipt)."""
    body = {
        "item_code": item_code,
        "lot_code": lot,
        "quantity": quantity,
        "unit": unit,
        "expires_on": expires.date().isoformat() if expires else None,
    }
    with gateway(ctx) as gw:
        gw.request("POST", "/api/lots", json=body)
    expiry = f", expires {body['expires_on']}" if expires else ""
    say(f"lot {lot} received: {quantity} {unit} of {item_code}{expiry}")


@stock_app.command("show")
def stock_show(ctx: typer.Context) -> None:
    """Stock per item: on hand, reserved, available."""
    with gateway(ctx) as gw:
        rows = gw.get("/api/stock")
    out.print(render.stock_table(rows))


AsJson = Annotated[bool, typer.Option("--json", help="Print the gateway's JSON as is.")]


@order_app.command("show")
def order_show(ctx: typer.Context, order_id: uuid.UUID, as_json: AsJson = False) -> None:
    """One order with its lines, reserved lots, shortages and history."""
    with gateway(ctx) as gw:
        order = gw.get(f"/api/orders/{order_id}")
    if as_json:
        dump(order)
    else:
        out.print(render.order_view(order))


@order_app.command("find")
def order_find(
    ctx: typer.Context,
    channel: Annotated[str, typer.Option()] = "shopify",
    external_id: Annotated[str | None, typer.Option(help="The marketplace's order id.")] = None,
    as_json: AsJson = False,
) -> None:
    """Orders by channel and external id (the latest 50 of the channel without one)."""
    params = {"channel": channel}
    if external_id:
        params["external_id"] = external_id
    with gateway(ctx) as gw:
        orders = gw.get("/api/orders", params=params)
    if as_json:
        dump(orders)
    if not orders:
        what = f"{channel} order {external_id}" if external_id else f"{channel} order"
        fail(f"no {what} found (an order appears a moment after its webhook is accepted)")
    if not as_json:
        out.print(render.order_view(orders[0]) if len(orders) == 1 else render.orders_table(orders))


def _outcome(answer: httpx.Response) -> Any:
    """The webhook answer's ``status`` (accepted, duplicate, ignored), if it has one."""
    try:
        data = answer.json()
    except ValueError:
        return None
    return data.get("status") if isinstance(data, dict) else None


def _lookup(base_url: str, external_id: str) -> str:
    params = {"channel": "shopify", "external_id": external_id}
    return str(httpx.URL(f"{base_url}/api/orders", params=params))


@webhook_app.command("post")
def webhook_post(
    ctx: typer.Context,
    shop: Annotated[str, typer.Option(help="X-Shopify-Shop-Domain.")],
    secret: Annotated[str, typer.Option(help="The shop's webhook secret.")],
    file: Annotated[
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="Raw body; default: the sample order."),
    ] = None,
    topic: Annotated[str, typer.Option()] = "orders/create",
    webhook_id: Annotated[str | None, typer.Option(help="Default: a fresh uuid4.")] = None,
    new_order_id: Annotated[
        bool,
        typer.Option(
            "--new-order-id", help="Replace the order's top-level id with a fresh 64-bit one."
        ),
    ] = False,
) -> None:
    """Sign a body's raw bytes as Shopify does and post it to /webhooks/shopify."""
    body = file.read_bytes() if file else shopify.sample_order()
    if new_order_id:
        try:
            body = shopify.replace_order_id(body, shopify.random_order_id())
        except ValueError as error:
            fail(f"{file or 'sample'}: {error}")
    webhook_id = webhook_id or str(uuid.uuid4())
    headers = shopify.webhook_headers(
        body, shop=shop, secret=secret, topic=topic, webhook_id=webhook_id
    )
    with gateway(ctx) as gw:
        answer = gw.request(
            "POST", "/webhooks/shopify", content=body, headers=headers, accept=frozenset(range(600))
        )
    say(f"HTTP {answer.status_code} {answer.text}")
    if answer.status_code != 200:
        fail(f"webhook refused: HTTP {answer.status_code}: {describe(answer)}")
    say(f"webhook id {webhook_id}")
    if _outcome(answer) == "duplicate":
        say("duplicate: this webhook id was delivered before, so this body was not used")
    order_id = shopify.order_id_of(body)
    if topic == "orders/create" and order_id is not None:
        say(f"order {order_id}: {_lookup(gw.base_url, str(order_id))}")
        say(f"  or: .venv/bin/python -m services.cli order find --external-id {order_id}")


@demo_app.command("seed")
def demo_seed(ctx: typer.Context) -> None:
    """Create the demo shop, items, SKU mappings and lots; safe to run again."""
    with gateway(ctx) as gw:
        steps = demo.seed(gw)
        stock = demo.demo_stock(gw)
    for what, outcome in steps:
        out.print(f"  {outcome:<13} {what}", markup=False, highlight=False)
    out.print(render.demo_panel(gw.base_url, stock))
    say("The same command on one line, to copy:")
    say(demo.POST_SAMPLE_ORDER)
