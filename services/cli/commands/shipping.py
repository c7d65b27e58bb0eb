"""Shipping a ready order, its shipments and their documents, and delivery."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from services.cli import parsing
from services.cli import render_shipping as view
from services.cli.client import Gateway
from services.cli.console import AsJson, dump, fail, gateway, out, parsed, say
from services.cli.render import when
from services.cli.statuses import Carrier

shipment_app = typer.Typer(
    help="Shipments: what left, with whom, and whether it arrived.", no_args_is_help=True
)

# Sendcloud is called with retries while the request waits; the gateway gives up on a
# service after 30 s, so the CLI waits a little longer to read the gateway's answer.
SHIP_TIMEOUT_SECONDS = 45.0

Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", dir_okay=False, help="Where to save the PDF."),
]


def ship_body(
    carrier: Carrier,
    *,
    service: str | None,
    tracking_number: str | None,
    tracking_url: str | None,
    lines: list[parsing.ShipLine],
    parcels: list[parsing.Parcel],
) -> dict[str, Any]:
    """The body of ``POST /api/orders/{id}/shipments``; leaves out what was not given, so
    the service's defaults apply (everything left to ship, one parcel of 1 kg)."""
    if carrier is Carrier.manual and not (tracking_number or "").strip():
        raise typer.BadParameter(
            "the manual carrier needs the tracking number the courier gave",
            param_hint="--tracking-number",
        )
    if carrier is not Carrier.manual and (tracking_number or tracking_url):
        raise typer.BadParameter(
            f"{carrier.value} gives the tracking number and link itself; "
            "--tracking-number and --tracking-url are for the manual carrier",
            param_hint="--tracking-number",
        )
    body: dict[str, Any] = {"carrier": carrier.value}
    optional = {
        "service": service,
        "tracking_number": tracking_number,
        "tracking_url": tracking_url,
    }
    body.update({key: value for key, value in optional.items() if value})
    if lines:
        body["lines"] = [x.as_json() for x in lines]
    if parcels:
        body["parcels"] = [p.as_json() for p in parcels]
    return body


def _order_status(gw: Gateway, order_id: str) -> str:
    return str(gw.get(f"/api/orders/{order_id}")["status"])


def ship(
    ctx: typer.Context,
    order_id: uuid.UUID,
    carrier: Annotated[Carrier, typer.Option(help="Who carries the parcels.")] = Carrier.manual,
    service: Annotated[
        str | None,
        typer.Option(
            help="manual: the courier's name, as the customer is told it (e.g. BRT). "
            "sendcloud: a shipping method id (default: the configured one)."
        ),
    ] = None,
    tracking_number: Annotated[
        str | None, typer.Option(help="manual: the tracking number the courier gave (required).")
    ] = None,
    tracking_url: Annotated[
        str | None, typer.Option(help="manual: the courier's tracking link, if there is one.")
    ] = None,
    line: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LINE_NO=QTY",
            help="Ship this much of a line (in the line's unit); repeat per line. "
            "Default: everything not shipped yet.",
        ),
    ] = None,
    parcel: Annotated[
        list[str] | None,
        typer.Option(
            metavar="WEIGHT",
            help="A parcel's weight (1.2kg, 800g); repeat per parcel. Default: one of 1 kg.",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Ship a ready order, whole or in part.

    Lots leave first-expiry-first within each line; stock is deducted, the shop is told
    (Shopify write-back) and the customer is mailed.
    """
    lines = parsed(parsing.parse_ship_line, line or [], option="--line")
    try:
        parsing.unique_lines(lines)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--line") from None
    body = ship_body(
        carrier,
        service=service,
        tracking_number=tracking_number,
        tracking_url=tracking_url,
        lines=lines,
        parcels=parsed(parsing.parse_parcel, parcel or [], option="--parcel"),
    )
    with gateway(ctx, timeout=SHIP_TIMEOUT_SECONDS) as gw:
        shipment = gw.request("POST", f"/api/orders/{order_id}/shipments", json=body).json()
        order_status = None if as_json else _order_status(gw, str(order_id))
    if as_json:
        dump(shipment)
        return
    say(
        f"shipment {shipment['id']} dispatched with {view.carrier_text(shipment)}, "
        f"tracking {shipment['tracking_number'] or '-'}"
    )
    out.print(view.shipment_view(shipment))
    say(f"order {order_id} is {order_status}")


@shipment_app.command("show")
def shipment_show(ctx: typer.Context, shipment_id: uuid.UUID, as_json: AsJson = False) -> None:
    """One shipment: carrier, tracking, parcels and the lots that left in it."""
    with gateway(ctx) as gw:
        shipment = gw.get(f"/api/shipments/{shipment_id}")
    if as_json:
        dump(shipment)
    else:
        out.print(view.shipment_view(shipment))


@shipment_app.command("list")
def shipment_list(ctx: typer.Context, order_id: uuid.UUID, as_json: AsJson = False) -> None:
    """An order's shipments, oldest first."""
    with gateway(ctx) as gw:
        shipments = gw.get(f"/api/orders/{order_id}/shipments")
    if as_json:
        dump(shipments)
    elif not shipments:
        say(f"order {order_id} has no shipments")
    else:
        out.print(view.shipments_table(shipments))


@shipment_app.command("delivered")
def shipment_delivered(ctx: typer.Context, shipment_id: uuid.UUID) -> None:
    """Mark a shipment delivered by hand (when the carrier does not say so); idempotent.

    The order is delivered once it is shipped in full and every shipment arrived.
    """
    with gateway(ctx) as gw:
        shipment = gw.request("POST", f"/api/shipments/{shipment_id}/delivered").json()
        order_status = _order_status(gw, shipment["order_id"])
    say(f"shipment {shipment_id} {shipment['status']} at {when(shipment['delivered_at'])}")
    say(f"order {shipment['order_id']} is {order_status}")


def _download(ctx: typer.Context, path: str, output: Path, what: str) -> None:
    with gateway(ctx) as gw:
        answer = gw.request("GET", path)
    if not answer.content.startswith(b"%PDF"):
        fail(f"GET {path} answered {answer.headers.get('content-type')}, not a PDF")
    try:
        output.write_bytes(answer.content)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    say(f"{what} saved to {output} ({len(answer.content)} bytes)")


@shipment_app.command("label")
def shipment_label(ctx: typer.Context, shipment_id: uuid.UUID, output: Output = None) -> None:
    """Download the carrier's label (Sendcloud makes one; the manual carrier does not)."""
    target = output or Path(f"label-{shipment_id}.pdf")
    _download(ctx, f"/api/shipments/{shipment_id}/label.pdf", target, "label")


@shipment_app.command("slip")
def shipment_slip(ctx: typer.Context, shipment_id: uuid.UUID, output: Output = None) -> None:
    """Download the packing slip: order, lines, lot codes, quantities, parcel count."""
    target = output or Path(f"packing-slip-{shipment_id}.pdf")
    _download(ctx, f"/api/shipments/{shipment_id}/packing-slip.pdf", target, "packing slip")
