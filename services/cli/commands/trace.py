"""Traceability: where a lot went, what an order was made of, and recalls."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

import typer

from services.cli import render_trace as view
from services.cli.client import segment
from services.cli.console import AsJson, dump, fail, gateway, out, say

trace_app = typer.Typer(
    help="Traceability: forward and backward traces through lots, and recalls.",
    no_args_is_help=True,
)


def _show(ctx: typer.Context, path: str, as_json: bool) -> None:
    with gateway(ctx) as gw:
        trace = gw.get(path)
    if as_json:
        dump(trace)
    else:
        out.print(view.trace_view(trace))


@trace_app.command("forward")
def trace_forward(ctx: typer.Context, lot_code: str, as_json: AsJson = False) -> None:
    """Everything made from a lot at any depth, every shipment and customer, stock left."""
    _show(ctx, f"/api/trace/lots/{segment(lot_code)}/forward", as_json)


@trace_app.command("backward")
def trace_backward(ctx: typer.Context, lot_code: str, as_json: AsJson = False) -> None:
    """What a lot was made of: production orders, ingredient lots, supplier lots, suppliers."""
    _show(ctx, f"/api/trace/lots/{segment(lot_code)}/backward", as_json)


@trace_app.command("order")
def trace_order(ctx: typer.Context, order_id: uuid.UUID, as_json: AsJson = False) -> None:
    """Backward from a customer order's shipments down to the suppliers."""
    _show(ctx, f"/api/trace/orders/{order_id}/backward", as_json)


@trace_app.command("shipment")
def trace_shipment(ctx: typer.Context, shipment_id: uuid.UUID, as_json: AsJson = False) -> None:
    """Backward from one shipment down to the suppliers."""
    _show(ctx, f"/api/trace/shipments/{shipment_id}/backward", as_json)


@trace_app.command("supplier-lot")
def trace_supplier_lot(
    ctx: typer.Context, supplier: str, supplier_lot_code: str, as_json: AsJson = False
) -> None:
    """Forward from a supplier's lot code, as printed on its delivery note."""
    path = f"/api/trace/suppliers/{segment(supplier)}/lots/{segment(supplier_lot_code)}/forward"
    _show(ctx, path, as_json)


def recall_body(
    lot: str | None, supplier: str | None, supplier_lot: str | None, reason: str
) -> dict[str, Any]:
    """Exactly one origin: our lot, or a supplier's lot (both options)."""
    if (lot is None) == (supplier is None and supplier_lot is None):
        raise typer.BadParameter(
            "give --lot, or --supplier with --supplier-lot", param_hint="--lot"
        )
    if lot is not None:
        return {"lot_code": lot, "reason": reason}
    if supplier is None or supplier_lot is None:
        raise typer.BadParameter(
            "--supplier and --supplier-lot go together", param_hint="--supplier"
        )
    return {"supplier": supplier, "supplier_lot_code": supplier_lot, "reason": reason}


@trace_app.command("recall")
def trace_recall(
    ctx: typer.Context,
    reason: Annotated[str, typer.Option(help="Why: printed on the report and the orders held.")],
    lot: Annotated[str | None, typer.Option(help="Our lot code.")] = None,
    supplier: Annotated[str | None, typer.Option(help="The supplier of --supplier-lot.")] = None,
    supplier_lot: Annotated[str | None, typer.Option(help="The supplier's lot code.")] = None,
    as_json: AsJson = False,
) -> None:
    """Recall a lot: it and everything made from it are blocked; open orders go on hold."""
    body = recall_body(lot, supplier, supplier_lot, reason)
    with gateway(ctx) as gw:
        recall = gw.request("POST", "/api/trace/recalls", json=body).json()
    if as_json:
        dump(recall)
        return
    say(f"recall {recall['recall_id']} issued for {recall['origin']}: {recall['reason']}")
    say(f"blocked: {', '.join(recall['lot_codes'])}")
    say(f"customers who received it: {', '.join(recall['customers']) or 'none'}")
    say(f"export: lotline trace export {recall['recall_id']}")


@trace_app.command("export")
def trace_export(
    ctx: typer.Context,
    recall_id: uuid.UUID,
    csv: Annotated[Path | None, typer.Option(dir_okay=False, help="CSV file.")] = None,
    pdf: Annotated[Path | None, typer.Option(dir_okay=False, help="PDF report file.")] = None,
) -> None:
    """Save a recall's list as CSV and its report as PDF (default: both, named after it)."""
    targets = {"export.csv": csv, "report.pdf": pdf}
    if csv is None and pdf is None:
        targets = {
            "export.csv": Path(f"recall-{recall_id}.csv"),
            "report.pdf": Path(f"recall-{recall_id}.pdf"),
        }
    with gateway(ctx) as gw:
        for name, target in targets.items():
            if target is None:
                continue
            content = gw.request("GET", f"/api/trace/recalls/{recall_id}/{name}").content
            try:
                target.write_bytes(content)
            except OSError as error:
                fail(f"cannot write {target}: {error.strerror or error}")
            say(f"{name.split('.')[0]} saved to {target} ({len(content)} bytes)")
