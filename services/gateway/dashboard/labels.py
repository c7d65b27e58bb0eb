"""What the floor pages call each status and hold reason (English; Italian in floor.json).

The services speak in codes (``ready_to_ship``); people read words. The order of
``ORDER_STATUSES`` is the order's life, so the board reads left to right.
"""

from __future__ import annotations

from typing import Final

ORDER_STATUSES: Final[dict[str, str]] = {
    "received": "Received",
    "on_hold": "On hold",
    "awaiting_production": "Awaiting production",
    "awaiting_materials": "Awaiting materials",
    "materials_reserved": "Materials reserved",
    "in_production": "In production",
    "ready_to_ship": "Ready to ship",
    "partially_shipped": "Partially shipped",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}

# Still to be worked on: what the board shows as columns (the rest are counted only).
OPEN_ORDER_STATUSES: Final[tuple[str, ...]] = tuple(ORDER_STATUSES)[:8]

PRODUCTION_STATUSES: Final[dict[str, str]] = {
    "planned": "Planned",
    "materials_reserved": "Materials reserved",
    "blocked_on_materials": "Blocked on materials",
    "in_progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
}

HOLD_REASONS: Final[dict[str, str]] = {
    "unknown_sku": "Unknown SKU",
    "invalid_quantity": "Invalid quantity",
    "no_lines": "No lines",
    "payment_pending": "Payment pending",
    "address_invalid": "Address invalid",
}

# What happened, as the order's timeline names it (the summary after it stays as written).
TIMELINE_KINDS: Final[dict[str, str]] = {
    "promise.set": "Promise set",
    "promise.slipped": "Promise slipped",
    "promise.earlier": "Promise moved earlier",
    "shipment.dispatched": "Shipment dispatched",
    "shipment.delivered": "Shipment delivered",
    "production.planned": "Batch planned",
    "production.materials_reserved": "Batch materials reserved",
    "production.blocked_on_materials": "Batch blocked on materials",
    "production.in_progress": "Batch started",
    "production.completed": "Batch completed",
    "production.cancelled": "Batch cancelled",
    "production.demands": "Batch reassigned",
    "production.materials": "Materials missing",
    "stock.reserved": "Stock reserved",
    "stock.allocated": "Made and allocated",
    "channel.fulfilled": "Shop told",
    "channel.write_back_failed": "Shop not told",
    "channel.cancel_not_applied": "Shop's cancellation not applied",
    "channel.edit_ignored": "Shop's edit ignored",
    "channel.edit_cancel": "Shop's edit cancels the order",
    "channel.edit_reduce": "Shop's edit reduces lines",
}

_TONES: Final[dict[str, str]] = {
    "on_hold": "bad",
    "blocked_on_materials": "bad",
    "cancelled": "bad",
    "awaiting_materials": "warn",
    "awaiting_production": "warn",
    "partially_shipped": "warn",
    "ready_to_ship": "ok",
    "shipped": "ok",
    "delivered": "ok",
    "completed": "ok",
}


def order_status(code: str) -> str:
    """The English words for an order status (the key of its translation)."""
    return ORDER_STATUSES.get(code, code)


def production_status(code: str) -> str:
    return PRODUCTION_STATUSES.get(code, code)


def tone(code: str) -> str:
    """The badge colour of a status: ``ok``, ``warn``, ``bad`` or plain."""
    return _TONES.get(code, "")


def hold_reason(reason: str | None) -> tuple[str, str]:
    """``"unknown_sku: X-1"`` → ``("Unknown SKU", "X-1")``: the code in words, the detail as is."""
    if not reason:
        return "", ""
    code, _, detail = reason.partition(":")
    if code.strip() in HOLD_REASONS:
        return HOLD_REASONS[code.strip()], detail.strip()
    return "", reason


def timeline_kind(kind: str) -> str:
    """``status.shipped`` → "Shipped"; ``notification.x`` → "E-mail"; known kinds in words."""
    group, _, rest = kind.partition(".")
    if group == "status":
        return order_status(rest)
    if group == "notification":
        return "E-mail"
    return TIMELINE_KINDS.get(kind, kind)
