"""Hand-made orders: one typed in from a phone call or an e-mail, and wholesale CSV files."""

from __future__ import annotations

import uuid
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from services.cli.console import AsJson, dump, gateway, parsed, say, warn
from services.cli.parsing import parse_consumed

manual_app = typer.Typer(help="Orders taken by phone, e-mail or a sales rep.", no_args_is_help=True)
import_app = typer.Typer(help="Wholesale orders from a CSV file.", no_args_is_help=True)


class Source(StrEnum):
    phone = "phone"
    email = "email"
    sales_rep = "sales_rep"


@manual_app.command("add")
def manual_add(
    ctx: typer.Context,
    customer: Annotated[str, typer.Option(help="Who orders.")],
    line: Annotated[
        list[str], typer.Option("--line", help="ITEM=QTY or ITEM=QTY UNIT, e.g. JAM-250=12")
    ],
    source: Annotated[Source, typer.Option()] = Source.phone,
    email: Annotated[str | None, typer.Option(help="Where the confirmation goes.")] = None,
    reference: Annotated[str | None, typer.Option(help="The customer's own reference.")] = None,
    sales_rep: Annotated[str | None, typer.Option()] = None,
    key: Annotated[
        str | None,
        typer.Option(help="Idempotency key; give the same one to retry safely (default: new)."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Enter a manual order; running it again with the same --key makes no second order."""
    lines = parsed(parse_consumed, line, option="--line")
    body: dict[str, Any] = {
        "source": source.value,
        "customer": {"name": customer, "email": email},
        "reference": reference,
        "sales_rep": sales_rep,
        "lines": [
            {"item_code": ln.lot_code, "quantity": str(ln.quantity), "unit": ln.unit or "pc"}
            for ln in lines
        ],
    }
    idempotency_key = key or str(uuid.uuid4())
    with gateway(ctx) as gw:
        answer = gw.request(
            "POST", "/api/manual-orders", json=body, headers={"Idempotency-Key": idempotency_key}
        ).json()
    if as_json:
        dump(answer)
        return
    verb = "created" if answer["created"] else "already there (same key)"
    say(f"manual order {answer['external_id']} {verb}: {answer['order_id']}")
    say(f"idempotency key: {idempotency_key}")


@import_app.command("orders")
def import_orders(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: AsJson = False,
) -> None:
    """Import a wholesale CSV (see docs/connectors.md for the columns); safe to run again."""
    with gateway(ctx, timeout=120.0) as gw:
        answer = gw.request(
            "POST",
            "/api/imports/orders",
            content=file.read_bytes(),
            headers={"Content-Type": "text/csv"},
        ).json()
    if as_json:
        dump(answer)
        return
    for order in answer["orders"]:
        state = "created" if order["created"] else "already imported"
        say(f"{order['reference']}: {state} ({order['lines']} lines) {order['order_id']}")
    for error in answer["errors"]:
        warn(f"line {error['line']}: {error['reason']}")
    say(
        f"{answer['created']} created, {answer['already_imported']} already imported, "
        f"{len(answer['errors'])} bad rows"
    )
    if answer["errors"]:
        raise typer.Exit(1)
