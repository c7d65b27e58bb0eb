"""Play a marketplace: sign webhook bodies as Shopify does and post them to the gateway."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from services.cli import shopify
from services.cli.client import describe
from services.cli.console import fail, gateway, say

webhook_app = typer.Typer(help="Play a marketplace: post signed webhooks.", no_args_is_help=True)


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


def _body(file: Path | None, *, new_order_id: bool, sku: str | None, quantity: int | None) -> bytes:
    """The bytes to sign and send: a file, the sample, or a fresh one-line order."""
    if (sku is None) != (quantity is None):
        raise typer.BadParameter("give --sku and --quantity together", param_hint="--sku")
    if sku is not None and quantity is not None:
        if file is not None:
            raise typer.BadParameter("--sku builds its own body: leave out FILE", param_hint="FILE")
        return shopify.single_line_order(
            shopify.sample_order(),
            sku=sku,
            quantity=quantity,
            order_id=shopify.random_order_id(),
            line_id=shopify.random_order_id(),
            placed_at=datetime.now(UTC),
        )
    body = file.read_bytes() if file else shopify.sample_order()
    if new_order_id:
        try:
            body = shopify.replace_order_id(body, shopify.random_order_id())
        except ValueError as error:
            fail(f"{file or 'sample'}: {error}")
    return body


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
    sku: Annotated[
        str | None,
        typer.Option(help="Post a fresh order (new id) of one line of this SKU instead."),
    ] = None,
    quantity: Annotated[int | None, typer.Option(min=1, help="Pieces of --sku.")] = None,
) -> None:
    """Sign a body's raw bytes as Shopify does and post it to /webhooks/shopify."""
    body = _body(file, new_order_id=new_order_id, sku=sku, quantity=quantity)
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
