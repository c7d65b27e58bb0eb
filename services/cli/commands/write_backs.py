"""Write-backs: telling a channel (Shopify) that an order shipped, and replaying dead ones."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

import typer

from services.cli import render_shipping as view
from services.cli.client import Gateway
from services.cli.console import AsJson, dump, fail, gateway, out, say
from services.cli.statuses import WriteBackStatus

write_backs_app = typer.Typer(
    help="Write-backs to the channels: Shopify fulfilments of shipped orders.",
    no_args_is_help=True,
)
PATH = "/api/write-backs"


@write_backs_app.command("list")
def write_backs_list(
    ctx: typer.Context,
    status: Annotated[
        WriteBackStatus | None, typer.Option(help="dead: the ones waiting for an operator.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: AsJson = False,
) -> None:
    """Write-backs, newest first, with the last error of each."""
    params: dict[str, str | int] = {"limit": limit}
    if status is not None:
        params["status"] = status.value
    with gateway(ctx) as gw:
        rows = gw.get(PATH, params=params)
    if as_json:
        dump(rows)
    elif not rows:
        say("no write-backs" + (f" with status {status.value}" if status else ""))
    else:
        out.print(view.write_backs_table(rows))


@write_backs_app.command("show")
def write_backs_show(ctx: typer.Context, write_back_id: uuid.UUID, as_json: AsJson = False) -> None:
    """One write-back: what it sends the channel, where it stands, its last error."""
    with gateway(ctx) as gw:
        row = gw.get(f"{PATH}/{write_back_id}")
    if as_json:
        dump(row)
    else:
        out.print(view.write_back_view(row))


def _settled(gw: Gateway, write_back_id: uuid.UUID, *, wait: float) -> dict[str, Any]:
    """The write-back once it is no longer pending, or as it is when ``wait`` runs out."""
    deadline = time.monotonic() + wait
    while True:
        row: dict[str, Any] = gw.get(f"{PATH}/{write_back_id}")
        if row["status"] != WriteBackStatus.pending or time.monotonic() >= deadline:
            return row
        time.sleep(0.5)


@write_backs_app.command("replay")
def write_backs_replay(
    ctx: typer.Context,
    write_back_id: uuid.UUID,
    wait: Annotated[
        float,
        typer.Option(min=0, help="Seconds to wait for the outcome (0: do not wait)."),
    ] = 0,
) -> None:
    """Send a dead write-back again: back to pending, attempts reset, the worker retries it.

    Fix the cause first (e.g. `shop admin DOMAIN --access-token …`), or it dies again;
    with --wait, the exit code is 1 when it did.
    """
    with gateway(ctx) as gw:
        row = gw.request("POST", f"{PATH}/{write_back_id}/replay").json()
        say(f"write-back {write_back_id} is {row['status']} again (attempts reset)")
        if wait > 0:
            row = _settled(gw, write_back_id, wait=wait)
    if wait > 0:
        out.print(view.write_back_view(row))
        if row["status"] == WriteBackStatus.dead:
            fail(f"write-back {write_back_id} is dead again: {row['last_error']}")
