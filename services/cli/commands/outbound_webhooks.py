"""Signed outbound webhooks: subscribe another system's endpoint to Lotline's events, see
what was delivered, replay a dead delivery, disable and enable a subscription, rotate its
signing secret."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from services.cli.console import AsJson, dump, gateway, out, say

hooks_app = typer.Typer(
    help="Signed outbound webhooks to other systems (accounting, e-mail marketing, a "
    "warehouse): subscriptions, their delivery log, replay.",
    no_args_is_help=True,
)
PATH = "/api/outbound-webhooks"


class EventType(StrEnum):
    order_received = "order.received"
    order_promised = "order.promised"
    order_shipped = "order.shipped"
    order_cancelled = "order.cancelled"
    lot_recalled = "lot.recalled"
    stock_changed = "stock.changed"


class DeliveryStatus(StrEnum):
    pending = "pending"
    done = "done"
    dead = "dead"


def subscriptions_table(rows: list[dict[str, Any]]) -> Table:
    grid = Table(title="Outbound webhooks")
    for column in ("Id", "URL", "Events", "State", "Delivered · pending · dead"):
        grid.add_column(column)
    for s in rows:
        state = "enabled" if s["enabled"] else f"DISABLED: {s['disabled_reason'] or '-'}"
        grid.add_row(
            s["id"],
            s["url"],
            ", ".join(s["event_types"]),
            state,
            f"{s['done']} · {s['pending']} · {s['dead']}",
        )
    return grid


def deliveries_table(rows: list[dict[str, Any]]) -> Table:
    grid = Table(title="Webhook deliveries")
    for column in ("Delivery id", "Event", "Status", "Attempts", "Last answer"):
        grid.add_column(column)
    for d in rows:
        answer = d["last_error"] or (
            f"HTTP {d['last_status_code']}" if d["last_status_code"] else "-"
        )
        grid.add_row(d["id"], d["event_type"], d["status"], str(d["attempts"]), answer)
    return grid


@hooks_app.command("add")
def hooks_add(
    ctx: typer.Context,
    url: str,
    event: Annotated[
        list[EventType], typer.Option("--event", "-e", help="An event type to send (repeat).")
    ],
    description: Annotated[str | None, typer.Option(help="Who receives it, for whom.")] = None,
    as_json: AsJson = False,
) -> None:
    """Subscribe URL (https) to event types. Prints the signing secret ONCE: store it in the
    receiving system; Lotline never shows it again."""
    body = {"url": url, "event_types": [e.value for e in event], "description": description}
    with gateway(ctx) as gw:
        created = gw.request("POST", PATH, json=body).json()
    if as_json:
        dump(created)
        return
    say(f"subscription {created['id']} → {created['url']}")
    say(f"events: {', '.join(created['event_types'])}")
    say(f"signing secret (shown once, keep it now): {created['secret']}")


@hooks_app.command("list")
def hooks_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Every subscription, its state and its deliveries counted (never the secrets)."""
    with gateway(ctx) as gw:
        rows = gw.get(PATH)
    if as_json:
        dump(rows)
    elif not rows:
        say("no outbound webhooks")
    else:
        out.print(subscriptions_table(rows))


@hooks_app.command("rotate-secret")
def hooks_rotate_secret(
    ctx: typer.Context,
    subscription_id: uuid.UUID,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask to confirm.")] = False,
    as_json: AsJson = False,
) -> None:
    """A new signing secret, printed ONCE. The previous one keeps signing every delivery
    beside it for the grace period (24 h by default), so the receiver can switch when it
    likes; then only the new one signs."""
    if not yes:
        typer.confirm(f"make a new signing secret for {subscription_id}?", abort=True)
    with gateway(ctx) as gw:
        rotated = gw.request("POST", f"{PATH}/{subscription_id}/rotate-secret").json()
    if as_json:
        dump(rotated)
        return
    say(f"subscription {rotated['id']} → {rotated['url']}")
    say(f"new signing secret (shown once, keep it now): {rotated['secret']}")
    if rotated.get("previous_secret_until"):
        say(f"the previous secret also signs until {rotated['previous_secret_until']}")
    else:
        say("the previous secret signs nothing more")


@hooks_app.command("disable")
def hooks_disable(
    ctx: typer.Context,
    subscription_id: uuid.UUID,
    reason: Annotated[str | None, typer.Option(help="Why, shown on the dashboard.")] = None,
) -> None:
    """Stop sending: no new deliveries are staged; pending ones wait."""
    with gateway(ctx) as gw:
        gw.request("POST", f"{PATH}/{subscription_id}/disable", json={"reason": reason})
    say(f"subscription {subscription_id} disabled")


@hooks_app.command("enable")
def hooks_enable(ctx: typer.Context, subscription_id: uuid.UUID) -> None:
    """Send again (also after an automatic disable); pending deliveries go out."""
    with gateway(ctx) as gw:
        gw.request("POST", f"{PATH}/{subscription_id}/enable")
    say(f"subscription {subscription_id} enabled")


@hooks_app.command("delete")
def hooks_delete(ctx: typer.Context, subscription_id: uuid.UUID) -> None:
    """Delete the subscription and its delivery log."""
    with gateway(ctx) as gw:
        gw.request("DELETE", f"{PATH}/{subscription_id}")
    say(f"subscription {subscription_id} deleted")


@hooks_app.command("deliveries")
def hooks_deliveries(
    ctx: typer.Context,
    subscription: Annotated[uuid.UUID | None, typer.Option(help="Only this one's.")] = None,
    status: Annotated[DeliveryStatus | None, typer.Option(help="dead: to replay.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: AsJson = False,
) -> None:
    """The delivery log, newest first: status, attempts and the last answer."""
    params: dict[str, str | int] = {"limit": limit}
    if subscription is not None:
        params["subscription_id"] = str(subscription)
    if status is not None:
        params["status"] = status.value
    with gateway(ctx) as gw:
        rows = gw.get(f"{PATH}/deliveries", params=params)
    if as_json:
        dump(rows)
    elif not rows:
        say("no deliveries")
    else:
        out.print(deliveries_table(rows))


@hooks_app.command("replay")
def hooks_replay(ctx: typer.Context, delivery_id: uuid.UUID) -> None:
    """Send a dead delivery again (same id and body, attempts reset)."""
    with gateway(ctx) as gw:
        row = gw.request("POST", f"{PATH}/deliveries/{delivery_id}/replay").json()
    say(f"delivery {delivery_id} is {row['status']} again")
