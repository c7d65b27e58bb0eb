"""Cost of goods: what an order's goods cost and earned, and the month per channel."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from services.cli.console import AsJson, dump, fail, gateway, out, say

costs_app = typer.Typer(help="Cost of goods, revenue and margin.", no_args_is_help=True)


def _money(value: Any) -> str:
    return "unknown" if value is None else str(value)


def _order_id(ctx: typer.Context, order: str, channel: str) -> str:
    """An order id as it is, or a channel's order number (its external id) looked up."""
    try:
        return str(uuid.UUID(order))
    except ValueError:
        pass
    with gateway(ctx) as gw:
        found = gw.get("/api/orders", params={"channel": channel, "external_id": order})
    if not found:
        fail(f"no {channel} order {order}")
    return str(found[0]["id"])


@costs_app.command("order")
def costs_order(
    ctx: typer.Context,
    order: Annotated[str, typer.Argument(help="The order id, or the channel's order id.")],
    channel: Annotated[str, typer.Option(help="Channel of a channel order id.")] = "shopify",
    as_json: AsJson = False,
) -> None:
    """Each line's lots at their unit costs; the order's cost, revenue, margin and margin %."""
    order_id = _order_id(ctx, order, channel)
    with gateway(ctx) as gw:
        cost = gw.get(f"/api/orders/{order_id}/cost")
    if as_json:
        dump(cost)
        return
    table = Table("line", "item", "quantity", "lot", "lot qty", "unit cost", "line cost", "net")
    for line in cost["lines"]:
        lots = line["lots"] or [None]
        for i, lot in enumerate(lots):
            first = i == 0
            table.add_row(
                str(line["line_no"]) if first else "",
                (line["item_code"] or "") if first else "",
                f"{line['quantity']} {line['unit']}" if first else "",
                lot["lot_code"] if lot else "(none reserved)",
                lot["quantity"] if lot else "",
                _money(lot["unit_cost"]) if lot else "",
                _money(line["cost_rounded"]) if first else "",
                _money(line["revenue"]) if first else "",
            )
    out.print(table)
    currency = cost["currency"] or ""
    percent = "" if cost["margin_percent"] is None else f" ({cost['margin_percent']} %)"
    say(
        f"cost of goods {_money(cost['cost'])} {currency}, revenue {_money(cost['revenue'])}, "
        f"margin {_money(cost['margin'])}{percent}"
    )


@costs_app.command("summary")
def costs_summary(
    ctx: typer.Context,
    month: Annotated[str, typer.Option(help="The month, e.g. 2026-12.")],
    csv: Annotated[
        Path | None, typer.Option(help="Write the accountant's CSV to this file.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Per channel: the month's orders, cost of goods, revenue and margin."""
    with gateway(ctx) as gw:
        if csv is not None:
            answer = gw.request("GET", "/api/orders/costs.csv", params={"month": month})
            csv.write_bytes(answer.content)
            say(f"wrote {csv}")
            return
        rows = gw.get("/api/orders/costs", params={"month": month})
    if as_json:
        dump(rows)
        return
    table = Table(
        "channel", "currency", "orders", "without cost", "cost", "revenue", "margin", "margin %"
    )
    for r in rows:
        table.add_row(
            r["channel"],
            r["currency"] or "",
            str(r["orders"]),
            str(r["orders_without_cost"]),
            r["cost"],
            r["revenue"],
            r["margin"],
            "" if r["margin_percent"] is None else str(r["margin_percent"]),
        )
    out.print(table)


@costs_app.command("correct")
def costs_correct(
    ctx: typer.Context,
    lot: Annotated[str, typer.Argument(help="Our code of the received lot.")],
    cost: Annotated[str, typer.Option(help="What the whole lot really cost, e.g. 10.00.")],
    currency: Annotated[str, typer.Option(help="Currency of --cost.")] = "EUR",
) -> None:
    """Correct a received lot's cost (a late supplier invoice): it and every lot made from it
    are re-costed, and so are the orders holding them."""
    with gateway(ctx) as gw:
        changed = gw.request(
            "POST", f"/api/lots/{lot}/cost", json={"amount": cost, "currency": currency}
        ).json()
    if not changed:
        say(f"lot {lot}: unit cost unchanged")
    for c in changed:
        new = c["unit_cost"]
        old = c["previous_unit_cost"]
        say(
            f"{c['lot_code']}: {_money(old and old['amount'])} → {_money(new and new['amount'])}"
            f" {(new or old or {}).get('currency', '')}".rstrip()
        )
