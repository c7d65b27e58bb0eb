"""Stock: lots taken in under our own code, goods receipts from suppliers, what is on hand."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from services.cli import render
from services.cli.console import gateway, out, say

stock_app = typer.Typer(help="Lots received and stock on hand.", no_args_is_help=True)


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


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
    received_on: Annotated[
        datetime | None,
        typer.Option(
            "--received-on",
            formats=["%Y-%m-%d"],
            help="Produced or received on, YYYY-MM-DD: where its shelf life starts "
            "(a fraction shelf-life rule needs it).",
        ),
    ] = None,
) -> None:
    """Take in a lot under a lot code you choose (e.g. stock counted on the shelf)."""
    body = {
        "item_code": item_code,
        "lot_code": lot,
        "quantity": quantity,
        "unit": unit,
        "expires_on": _day(expires),
        "received_on": _day(received_on),
    }
    with gateway(ctx) as gw:
        gw.request("POST", "/api/lots", json=body)
    expiry = f", expires {body['expires_on']}" if expires else ""
    say(f"lot {lot} received: {quantity} {unit} of {item_code}{expiry}")


def _cost(cost: str | None, currency: str | None) -> dict[str, str] | None:
    if cost is None and currency is None:
        return None
    if cost is None or currency is None:
        raise typer.BadParameter("give --cost and --currency together", param_hint="--cost")
    try:
        amount = Decimal(cost)
    except InvalidOperation:
        raise typer.BadParameter(f"{cost!r} is not a decimal amount", param_hint="--cost") from None
    if not amount.is_finite() or amount < 0:
        raise typer.BadParameter(f"{cost!r} is not an amount", param_hint="--cost")
    return {"amount": cost, "currency": currency.upper()}


@stock_app.command("receipt")
def stock_receipt(
    ctx: typer.Context,
    item_code: str,
    quantity: Annotated[str, typer.Option(help="A decimal number, e.g. 25 or 12.5.")],
    unit: Annotated[str, typer.Option(help="As delivered; converted to the item's unit.")],
    supplier: Annotated[str, typer.Option(help="Who delivered it.")],
    supplier_lot: Annotated[str, typer.Option(help="The supplier's lot code.")],
    expires: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="The supplier's expiry date, YYYY-MM-DD."),
    ] = None,
    received: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Day of receipt, YYYY-MM-DD; default today."),
    ] = None,
    cost: Annotated[str | None, typer.Option(help="What the delivery cost, e.g. 12.50.")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code of --cost, e.g. EUR.")] = None,
    purchase_order: Annotated[
        str | None, typer.Option(help="The purchase order these goods arrive against.")
    ] = None,
) -> None:
    """Goods receipt of a supplier's lot, under a lot code of ours.

    Production orders waiting for the material get another try.
    """
    body: dict[str, Any] = {
        "item_code": item_code,
        "quantity": quantity,
        "unit": unit,
        "supplier": supplier,
        "supplier_lot_code": supplier_lot,
        "expires_on": _day(expires),
        "received_on": _day(received),
        "cost": _cost(cost, currency),
        "purchase_order_id": purchase_order,
    }
    with gateway(ctx) as gw:
        lot = gw.request("POST", "/api/receipts", json=body).json()
    expiry = f", expires {lot['expires_on']}" if lot["expires_on"] else ""
    say(
        f"received {lot['quantity']} {lot['unit']} of {item_code} from {supplier} "
        f"(their lot {supplier_lot}) as lot {lot['lot_code']}{expiry}"
    )


@stock_app.command("show")
def stock_show(ctx: typer.Context) -> None:
    """Stock per item: on hand, reserved, available."""
    with gateway(ctx) as gw:
        rows = gw.get("/api/stock")
    out.print(render.stock_table(rows))


@stock_app.command("lots")
def stock_lots(
    ctx: typer.Context,
    item_code: Annotated[str | None, typer.Argument(help="Only this item's lots.")] = None,
) -> None:
    """Lots, first to expire first: on hand, reserved, available."""
    params = {"item_code": item_code} if item_code else {}
    with gateway(ctx) as gw:
        lots = gw.get("/api/lots", params=params)
    out.print(render.lots_table(lots, with_item=item_code is None))
