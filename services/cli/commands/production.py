"""Production orders (batches): list, read, and the operator's actions on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import typer

from services.cli import parsing
from services.cli import render_production as view
from services.cli.client import Gateway
from services.cli.console import AsJson, dump, gateway, out, parsed, say
from services.cli.statuses import ProductionStatus

production_app = typer.Typer(
    help="Production orders: batches made for customer orders.", no_args_is_help=True
)
PATH = "/api/production-orders"


def _with_children(gw: Gateway, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each order followed by the batches made for it (intermediates), depth first: they
    serve no customer line themselves, so a search by order id does not find them."""
    result: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(po: dict[str, Any]) -> None:
        if po["id"] in seen:
            return
        seen.add(po["id"])
        result.append(po)
        for child in po["children"]:
            visit(gw.get(f"{PATH}/{child['id']}"))

    for po in orders:
        visit(po)
    return result


@production_app.command("list")
def production_list(
    ctx: typer.Context,
    order_id: Annotated[
        uuid.UUID | None,
        typer.Option(help="Batches serving this customer order, and the batches made for them."),
    ] = None,
    status: Annotated[ProductionStatus | None, typer.Option()] = None,
    item: Annotated[str | None, typer.Option(help="Only batches of this item.")] = None,
    as_json: AsJson = False,
) -> None:
    """Production orders, oldest first."""
    params = {
        key: str(value)
        for key, value in (("order_id", order_id), ("status", status), ("item_code", item))
        if value is not None
    }
    with gateway(ctx) as gw:
        orders = gw.get(PATH, params=params)
        if order_id is not None:
            orders = _with_children(gw, orders)
    if as_json:
        dump(orders)
    elif not orders:
        say("no production orders found")
    else:
        out.print(view.production_table(orders))


@production_app.command("show")
def production_show(
    ctx: typer.Context, production_order_id: uuid.UUID, as_json: AsJson = False
) -> None:
    """One production order, with its lines, materials, lots, shortages and history.

    Also the batches made for it (intermediates), what it consumed and its output lot.
    """
    with gateway(ctx) as gw:
        po = gw.get(f"{PATH}/{production_order_id}")
    if as_json:
        dump(po)
    else:
        out.print(view.production_view(po))


def _moved(po: dict[str, Any], what: str) -> None:
    say(f"production order {po['id']} ({po['item_code']}, {po['quantity']} {po['unit']}) {what}")


@production_app.command("start")
def production_start(ctx: typer.Context, production_order_id: uuid.UUID) -> None:
    """Materials reserved → in progress."""
    with gateway(ctx) as gw:
        po = gw.request("POST", f"{PATH}/{production_order_id}/start").json()
    _moved(po, f"is {po['status']}")


@production_app.command("complete")
def production_complete(
    ctx: typer.Context,
    production_order_id: uuid.UUID,
    output: Annotated[str, typer.Option(help="How much came out good, e.g. 38 or 9.5.")],
    unit: Annotated[str | None, typer.Option(help="Unit of --output; default the order's.")] = None,
    consume: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LOT=QTY",
            help="A lot consumed and how much (e.g. FLOUR-00-R261125-02=6kg); repeat per lot. "
            "Default: exactly the lots held for the order.",
        ),
    ] = None,
    lot: Annotated[str | None, typer.Option(help="Output lot code; default generated.")] = None,
    produced: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Day made; default today.")
    ] = None,
    minutes: Annotated[
        int | None,
        typer.Option(min=0, help="How long the run took (minutes): costed at the line's rate."),
    ] = None,
) -> None:
    """In progress → completed.

    Inventory consumes the inputs, takes in the output lot and allocates it to the customer
    lines the batch serves.
    """
    body: dict[str, Any] = {"output_quantity": output}
    if unit:
        body["unit"] = unit
    if consume:
        body["consumed"] = [
            c.as_json() for c in parsed(parsing.parse_consumed, consume, option="--consume")
        ]
    if lot:
        body["output_lot_code"] = lot
    if produced:
        body["produced_on"] = produced.date().isoformat()
    if minutes is not None:
        body["run_minutes"] = minutes
    with gateway(ctx) as gw:
        po = gw.request("POST", f"{PATH}/{production_order_id}/complete", json=body).json()
    expiry = f", expires {po['expires_on']}" if po["expires_on"] else ""
    _moved(
        po,
        f"is {po['status']}: made {po['output_quantity']} {po['output_unit']} "
        f"as lot {po['output_lot_code']}{expiry}",
    )


@production_app.command("correct-run")
def production_correct_run(
    ctx: typer.Context,
    production_order_id: uuid.UUID,
    minutes: Annotated[int, typer.Option(min=0, help="How long the run really took (minutes).")],
    reason: Annotated[str | None, typer.Option(help="Why, kept on the event.")] = None,
) -> None:
    """Correct a completed run's recorded time: its output lot, every lot made from it and
    the orders holding them are re-costed (labour at the line's rate)."""
    body = {"run_minutes": minutes, "reason": reason}
    with gateway(ctx) as gw:
        run = gw.request("PATCH", f"{PATH}/{production_order_id}/run", json=body).json()
    if not run["changed"]:
        say(f"production order {production_order_id} already ran {minutes} min: nothing changes")
        return
    before = run["previous_run_minutes"]
    say(
        f"production order {production_order_id}: run time "
        f"{'unrecorded' if before is None else f'{before} min'} → {run['run_minutes']} min; "
        f"lot {run['output_lot_code'] or '-'} and what is made from it are re-costed"
    )


@production_app.command("cancel")
def production_cancel(
    ctx: typer.Context,
    production_order_id: uuid.UUID,
    reason: Annotated[str | None, typer.Option(help="Kept in the history.")] = None,
) -> None:
    """Cancel a batch not started yet, with the batches made for it."""
    with gateway(ctx) as gw:
        po = gw.request(
            "POST", f"{PATH}/{production_order_id}/cancel", json={"reason": reason}
        ).json()
    _moved(po, f"is {po['status']}")


@production_app.command("combine")
def production_combine(
    ctx: typer.Context,
    production_order_ids: Annotated[list[uuid.UUID], typer.Argument(help="Two or more ids.")],
) -> None:
    """Make one batch of several not started batches of the same item.

    The new batch serves all their customer lines; the old ones are cancelled.
    """
    body = {"production_order_ids": [str(i) for i in production_order_ids]}
    with gateway(ctx) as gw:
        po = gw.request("POST", f"{PATH}/combine", json=body).json()
    say(f"combined {len(production_order_ids)} production orders into {po['id']}:")
    out.print(view.production_table([po]))


@production_app.command("split")
def production_split(
    ctx: typer.Context,
    production_order_id: uuid.UUID,
    line: Annotated[
        list[str],
        typer.Option(
            metavar="ORDER_ID:LINE_NO", help="A customer line to move to a new batch; repeatable."
        ),
    ],
) -> None:
    """Move customer lines to a batch of their own.

    The original batch is re-planned for the lines left.
    """
    lines = parsed(parsing.parse_order_line, line, option="--line")
    body = {"demands": [x.as_json() for x in lines]}
    with gateway(ctx) as gw:
        answer = gw.request("POST", f"{PATH}/{production_order_id}/split", json=body).json()
    original, split_off = answer["original"], answer["split_off"]
    _moved(split_off, "split off")
    _moved(original, "re-planned for the rest")
    out.print(view.production_table([original, split_off]))


@production_app.command("replan")
def production_replan(ctx: typer.Context, production_order_id: uuid.UUID) -> None:
    """Plan a batch not started again, with the item's active recipe.

    E.g. after a recipe was added for an item planned without one. Materials are requested
    again.
    """
    with gateway(ctx) as gw:
        po = gw.request("POST", f"{PATH}/{production_order_id}/replan").json()
    _moved(po, f"re-planned: {po['status']}")
