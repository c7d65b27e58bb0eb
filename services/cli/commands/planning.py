"""Capacity and replenishment: production lines and their calendars, quotes (capable to
promise), purchase orders, reorder points and the suggestions they raise."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import typer

from services.cli import render
from services.cli.console import AsJson, dump, gateway, out, parsed, say
from services.cli.parsing import parse_item_quantity

line_app = typer.Typer(help="Production lines, calendars and capacity.", no_args_is_help=True)
purchase_app = typer.Typer(help="Purchase orders to suppliers.", no_args_is_help=True)
reorder_app = typer.Typer(help="Reorder points (min/max) for make-to-stock.", no_args_is_help=True)
suggestion_app = typer.Typer(help="Replenishment suggestions.", no_args_is_help=True)

Day = Annotated[datetime, typer.Argument(formats=["%Y-%m-%d"], help="YYYY-MM-DD")]


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


@line_app.command("add")
def line_add(
    ctx: typer.Context,
    code: str,
    name: Annotated[str, typer.Option(help="What people call it.")],
    weekdays: Annotated[str, typer.Option(help="Working weekdays, Monday is 0.")] = "0,1,2,3,4",
    hours: Annotated[str, typer.Option(help="Working hours a day.")] = "8",
    country: Annotated[str, typer.Option(help="Whose public holidays (ISO code).")] = "IT",
    closure: Annotated[
        list[datetime] | None,
        typer.Option(formats=["%Y-%m-%d"], help="A day the line is closed (repeatable)."),
    ] = None,
    cost_per_minute: Annotated[
        str, typer.Option(help="Labour and overhead per minute of run time, for costing.")
    ] = "0",
    currency: Annotated[str, typer.Option(help="Currency of --cost-per-minute.")] = "EUR",
) -> None:
    """A production line with its working calendar."""
    try:
        days = [int(d) for d in weekdays.split(",") if d.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"{weekdays!r} is not like 0,1,2,3,4", param_hint="--weekdays"
        ) from None
    body = {
        "code": code,
        "name": name,
        "country": country,
        "working_weekdays": days,
        "hours_per_day": hours,
        "closures": [_day(c) for c in closure or []],
        "cost_per_minute": cost_per_minute,
        "cost_currency": currency,
    }
    with gateway(ctx) as gw:
        gw.request("POST", "/api/lines", json=body)
    say(f"line {code} ({name}): weekdays {days}, {hours} h a day, holidays of {country}")


@line_app.command("list")
def line_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    with gateway(ctx) as gw:
        found = gw.get("/api/lines")
    if as_json:
        dump(found)
        return
    rows = [
        (x["code"], x["name"], x["country"], x["working_weekdays"], x["hours_per_day"])
        for x in found
    ]
    out.print(render.table("Lines", ("Code", "Name", "Country", "Weekdays", "Hours"), rows))


@line_app.command("capacity")
def line_capacity(
    ctx: typer.Context,
    code: str,
    start: Day,
    end: Annotated[
        datetime | None, typer.Argument(formats=["%Y-%m-%d"], help="Last day; default START.")
    ] = None,
    minutes: Annotated[
        int, typer.Option(help="Required: 0 for a breakdown, 480 for overtime.", show_default=False)
    ] = ...,  # type: ignore[assignment]  # no default: forgetting it must not stop the line
) -> None:
    """The minutes the line really has on these days (one change: promises move once)."""
    body = {"from": _day(start), "to": _day(end or start), "minutes": minutes}
    with gateway(ctx) as gw:
        gw.request("PUT", f"/api/lines/{code}/capacity", json=body)
    say(f"line {code}: {minutes} minutes a day from {body['from']} to {body['to']}")


@line_app.command("calendar")
def line_calendar(ctx: typer.Context, code: str, start: Day, end: Day) -> None:
    """Each day: working or not, holiday, closure, override, minutes."""
    with gateway(ctx) as gw:
        found = gw.get(f"/api/lines/{code}/calendar", params={"from": _day(start), "to": _day(end)})
    rows = [
        (
            d["on"],
            "yes" if d["working"] else "no",
            "holiday" if d["holiday"] else ("closed" if d["closed"] else ""),
            "override" if d["overridden"] else "",
            d["minutes"],
        )
        for d in found["days"]
    ]
    out.print(render.table(f"Line {code}", ("Day", "Works", "Why not", "", "Minutes"), rows))


def quote(
    ctx: typer.Context,
    lines: Annotated[list[str], typer.Argument(help="ITEM=QUANTITY, e.g. BISCUIT-JAR=10pc.")],
    handling: Annotated[int, typer.Option(help="Working days to pick and pack.")] = 1,
    transit: Annotated[int, typer.Option(help="Working days the carrier takes.")] = 2,
    as_json: AsJson = False,
) -> None:
    """The earliest delivery date and why (reserves nothing)."""
    wanted = parsed(parse_item_quantity, lines, option="LINES")
    body = {
        "lines": [w.as_json() for w in wanted],
        "handling_days": handling,
        "transit_days": transit,
    }
    with gateway(ctx) as gw:
        answer = gw.request("POST", "/api/quotes", json=body).json()
    if as_json:
        dump(answer)
        return
    say(f"promised on {answer['promised_on']}: {answer['dominant']}")
    for line in answer["lines"]:
        steps = "; ".join(f"{t['label']} → {t['done_on']}" for t in line["breakdown"])
        say(f"  line {line['line_no']} {line['item_code']}: {steps}")


@purchase_app.command("order")
def purchase_order(
    ctx: typer.Context,
    item_code: str,
    quantity: Annotated[str, typer.Option(help="A decimal number.")],
    unit: Annotated[str, typer.Option()],
    supplier: Annotated[str | None, typer.Option(help="Default: the item's.")] = None,
    expected: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Expected arrival; default: after lead time."),
    ] = None,
) -> None:
    """Order from a supplier; production plans with the expected date."""
    body = {
        "item_code": item_code,
        "quantity": quantity,
        "unit": unit,
        "supplier": supplier,
        "expected_on": _day(expected),
    }
    with gateway(ctx) as gw:
        po = gw.request("POST", "/api/purchase-orders", json=body).json()
    say(
        f"purchase order {po['id']}: {po['quantity']} {po['unit']} of {item_code} "
        f"from {po['supplier']}, expected {po['expected_on']}"
    )


def _purchase_rows(found: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            p["id"],
            p["item_code"],
            p["supplier"],
            f"{p['received']}/{p['quantity']} {p['unit']}",
            p["expected_on"],
            render.status(p["status"]),
        )
        for p in found
    ]


@purchase_app.command("list")
def purchase_list(
    ctx: typer.Context,
    item: Annotated[str | None, typer.Option(help="Only this item's.")] = None,
    status: Annotated[str | None, typer.Option(help="open, received or cancelled.")] = None,
    as_json: AsJson = False,
) -> None:
    params = {k: v for k, v in (("item_code", item), ("status", status)) if v}
    with gateway(ctx) as gw:
        found = gw.get("/api/purchase-orders", params=params)
    if as_json:
        dump(found)
        return
    headings = ("Id", "Item", "Supplier", "Received", "Expected", "Status")
    out.print(render.table("Purchase orders", headings, _purchase_rows(found)))


@purchase_app.command("cancel")
def purchase_cancel(
    ctx: typer.Context,
    purchase_order_id: uuid.UUID,
    reason: Annotated[str | None, typer.Option()] = None,
) -> None:
    with gateway(ctx) as gw:
        gw.request(
            "POST", f"/api/purchase-orders/{purchase_order_id}/cancel", json={"reason": reason}
        )
    say(f"purchase order {purchase_order_id} cancelled")


@reorder_app.command("set")
def reorder_set(
    ctx: typer.Context,
    item_code: str,
    minimum: Annotated[str, typer.Option("--min", help="Reorder point.")],
    maximum: Annotated[str, typer.Option("--max", help="Target after replenishing.")],
    unit: Annotated[str, typer.Option()],
    pack: Annotated[str | None, typer.Option(help="Supplier pack size (bought items).")] = None,
) -> None:
    """Min/max for an item; under the minimum, one replenishment suggestion is raised."""
    body = {"reorder_point": minimum, "target": maximum, "unit": unit, "pack_size": pack}
    with gateway(ctx) as gw:
        rule = gw.request("PUT", f"/api/reorder-points/{item_code}", json=body).json()
    say(
        f"{item_code}: reorder under {rule['reorder_point']} {rule['unit']}, up to "
        f"{rule['target']}; available now {rule['available']}"
    )


@reorder_app.command("list")
def reorder_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Each rule with available stock, daily demand (moving average) and days of cover."""
    with gateway(ctx) as gw:
        found = gw.get("/api/reorder-points")
    if as_json:
        dump(found)
        return
    rows = [
        (
            r["item_code"],
            f"{r['reorder_point']}–{r['target']} {r['unit']}",
            r["pack_size"],
            r["available"],
            r["daily_demand"],
            r["days_of_cover"],
        )
        for r in found
    ]
    headings = ("Item", "Min–max", "Pack", "Available", "Per day", "Days of cover")
    out.print(render.table("Reorder points", headings, rows))


@suggestion_app.command("list")
def suggestion_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="open, accepted or dismissed.")] = None,
    as_json: AsJson = False,
) -> None:
    with gateway(ctx) as gw:
        found = gw.get("/api/suggestions", params={"status": status} if status else {})
    if as_json:
        dump(found)
        return
    rows = [
        (
            s["id"],
            s["item_code"],
            s["kind"],
            f"{s['quantity']} {s['unit']}",
            render.status(s["status"]),
            s["reference"],
        )
        for s in found
    ]
    headings = ("Id", "Item", "Kind", "Quantity", "Status", "Became")
    out.print(render.table("Suggestions", headings, rows))


@suggestion_app.command("accept")
def suggestion_accept(ctx: typer.Context, suggestion_id: uuid.UUID) -> None:
    """A purchase order (bought item) or a production order (made item)."""
    with gateway(ctx) as gw:
        done = gw.request("POST", f"/api/suggestions/{suggestion_id}/accept").json()
    what = "production order" if done["kind"] == "production" else "purchase order"
    say(f"accepted: {what} {done['reference']} for {done['quantity']} {done['unit']}")


@suggestion_app.command("dismiss")
def suggestion_dismiss(
    ctx: typer.Context,
    suggestion_id: uuid.UUID,
    reason: Annotated[str | None, typer.Option()] = None,
) -> None:
    with gateway(ctx) as gw:
        gw.request("POST", f"/api/suggestions/{suggestion_id}/dismiss", json={"reason": reason})
    say(f"suggestion {suggestion_id} dismissed")
