"""Customer orders: find them, read them, follow their timeline, cancel them."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from services.cli import render, render_shipping
from services.cli.console import AsJson, dump, fail, gateway, out, say
from services.cli.statuses import OrderStatus

order_app = typer.Typer(help="Customer orders.", no_args_is_help=True)


@order_app.command("show")
def order_show(ctx: typer.Context, order_id: uuid.UUID, as_json: AsJson = False) -> None:
    """One order with its lines, reserved lots, shortages, production and history."""
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
    status: Annotated[OrderStatus | None, typer.Option()] = None,
    as_json: AsJson = False,
) -> None:
    """Orders by channel and external id (the latest 50 of the channel without one)."""
    params = {"channel": channel}
    if external_id:
        params["external_id"] = external_id
    if status:
        params["status"] = status.value
    with gateway(ctx) as gw:
        orders = gw.get("/api/orders", params=params)
    if as_json:
        dump(orders)
    if not orders:
        what = f"{channel} order {external_id}" if external_id else f"{channel} order"
        if status:
            what += f" with status {status.value}"
        fail(f"no {what} found (an order appears a moment after its webhook is accepted)")
    if not as_json:
        out.print(render.order_view(orders[0]) if len(orders) == 1 else render.orders_table(orders))


@order_app.command("cancel")
def order_cancel(
    ctx: typer.Context,
    order_id: uuid.UUID,
    reason: Annotated[str | None, typer.Option(help="Kept in the order's history.")] = None,
) -> None:
    """Cancel an order before it ships.

    Its stock is released, and production made only for it is cancelled if not started.
    """
    with gateway(ctx) as gw:
        order = gw.request("POST", f"/api/orders/{order_id}/cancel", json={"reason": reason}).json()
    say(f"order {order_id}: {order['status']}" + (f" ({reason})" if reason else ""))


@order_app.command("timeline")
def order_timeline(ctx: typer.Context, order_id: uuid.UUID, as_json: AsJson = False) -> None:
    """Where is my order? Everything that happened to it across services, in time order.

    Statuses, production, shipments, the channel write-back, customer e-mail (with its
    delivery result) and deliveries.
    """
    with gateway(ctx) as gw:
        entries = gw.get(f"/api/orders/{order_id}/timeline")
    if as_json:
        dump(entries)
    else:
        out.print(render_shipping.timeline_table(entries))
