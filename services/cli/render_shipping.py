"""Rich views of shipping: shipments, an order's timeline and write-backs to the channels."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from services.cli.render import amount, grid, status, table, when

TRACKING = ("company", "number", "url")


def carrier_text(s: dict[str, Any]) -> str:
    """``manual (BRT)`` or ``sendcloud (8)``: our carrier and the service asked for."""
    return str(s["carrier"]) + (f" ({s['service']})" if s.get("service") else "")


def parcels_text(parcels: list[dict[str, Any]]) -> str:
    """``2 parcels: 1.2 kg, 0.8 kg``."""
    if not parcels:
        return "-"
    weights = ", ".join(amount(p["weight"], p["weight_unit"]) for p in parcels)
    return f"{len(parcels)} parcel{'' if len(parcels) == 1 else 's'}: {weights}"


def lots_text(lots: list[dict[str, Any]]) -> str:
    """``line 1: 2 pc LAVENDER-SOAP-100G from LS-2611-A``, one per line."""
    return "\n".join(
        f"line {x['line_no']}: {amount(x['quantity'], x['unit'])} {x['item_code']} "
        f"from {x['lot_code']}"
        for x in lots
    )


def _shipment(s: dict[str, Any]) -> Text:
    """Id, carrier and tracking number, and the status with its time."""
    text = Text(f"{s['id']}\n{carrier_text(s)} · {s.get('tracking_number') or '-'}\n")
    text.append_text(status(s["status"]))
    at = s.get("delivered_at") if s["status"] == "delivered" else s.get("created_at")
    text.append(f" {when(at)}", style="dim")
    return text


def shipment_view(s: dict[str, Any]) -> Panel:
    """One shipment: where it stands, who carries it, its parcels and the lots in it."""
    summary = grid(
        [
            ("Status", status(s["status"])),
            ("Order", s["order_id"]),
            ("Carrier", carrier_text(s)),
            ("Tracking", s.get("tracking_number") or "-"),
            ("Tracking link", s.get("tracking_url") or "-"),
            ("Parcels", parcels_text(s["parcels"])),
            ("Dispatched", when(s["created_at"])),
            ("Delivered", when(s.get("delivered_at")) or "-"),
        ]
    )
    lots = table(
        "Lots shipped",
        ("#", "Item", "Lot", "Quantity"),
        [
            (x["line_no"], x["item_code"], x["lot_code"], amount(x["quantity"], x["unit"]))
            for x in s["lots"]
        ],
    )
    parts: list[RenderableType] = [summary, lots]
    return Panel(Group(*parts), title=f"Shipment {s['id']}", title_align="left")


def shipments_table(shipments: list[dict[str, Any]]) -> Table:
    """An order's shipments, oldest first: carrier and tracking, status, what left."""
    rows = [(_shipment(s), lots_text(s["lots"])) for s in shipments]
    return table("Shipments", ("Shipment · carrier · tracking · status", "Lots"), rows)


def _event(e: dict[str, Any]) -> Text:
    text = Text(when(e["at"]) + "\n", style="dim")
    text.append(e["kind"], style="bold")
    return text


def _summary(e: dict[str, Any]) -> Text:
    """The entry's summary and, for shipments and write-backs, which shipment."""
    text = Text(e["summary"])
    shipment = (e.get("detail") or {}).get("shipment_id")
    if shipment:
        text.append(f"\n{shipment}", style="dim")
    return text


def timeline_table(entries: list[dict[str, Any]]) -> Table:
    """What happened to an order, across services, oldest first."""
    rows = [(_event(e), _summary(e)) for e in entries]
    return table("Timeline", ("At · what", "Summary · shipment"), rows)


def _write_back(w: dict[str, Any]) -> Text:
    text = Text(f"{w['id']}\n", style="bold")
    text.append(f"{w['shop']} order {w['external_id']}\nshipment {w['shipment_id']}", style="")
    if w.get("last_error"):
        text.append(f"\n{w['last_error']}", style="red" if w["status"] == "dead" else "yellow")
    return text


def _write_back_state(w: dict[str, Any]) -> Text:
    text = status(w["status"])
    tries = w["attempts"]
    text.append(f" · {tries} attempt{'' if tries == 1 else 's'}", style="")
    text.append(f"\n{when(w['updated_at'])}", style="dim")
    return text


def write_backs_table(rows: list[dict[str, Any]]) -> Table:
    """Write-backs to the channels, newest first, with the last error of each."""
    return table(
        "Write-backs",
        ("Write-back · shop order · shipment · last error", "Status · updated"),
        [(_write_back(w), _write_back_state(w)) for w in rows],
    )


def write_back_view(w: dict[str, Any]) -> Panel:
    """One write-back in full, with what it sends the channel."""
    payload = w.get("payload") or {}
    tracking = payload.get("tracking") or {}
    lines = ", ".join(f"{x['line_item_id']} × {x['quantity']}" for x in payload.get("lines", []))
    state = _write_back_state(w)
    rows: list[tuple[str, str | Text]] = [
        ("Status", state),
        ("Kind", w["kind"]),
        ("Shop order", f"{w['shop']} order {w['external_id']}"),
        ("Order", w["order_id"]),
        ("Shipment", w["shipment_id"]),
        ("Line items", lines or "-"),
        ("Tracking", " · ".join(str(tracking[k]) for k in TRACKING if tracking.get(k)) or "-"),
        ("Fulfilment", w.get("external_fulfillment_id") or "-"),
        (
            "Earlier error" if w["status"] == "done" else "Last error",
            w.get("last_error") or "-",
        ),
    ]
    return Panel(grid(rows), title=f"Write-back {w['id']}", title_align="left")
