"""Fulfilment write-back: the order's status set to ``completed`` and a customer note with
the carrier and tracking number (WooCommerce core has no tracking field; the note is
e-mailed to the customer), through the shared write-back machinery.

Never twice after a lost answer: every try first reads the order's notes and the order, and
only adds the note when none carries the tracking text yet, and only sets the status when
it is not ``completed`` yet. A cancelled, refunded or failed order is refused (the shop
ended it; nothing is written)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.port import Refused
from services.connectors.woocommerce import orders, reconciliation, repository
from services.connectors.woocommerce.client import WooApi
from shared.contracts.orders import ShipmentDispatched

KIND = "woocommerce_completion"
COMPLETED = "completed"


def note_text(carrier: str | None, tracking: str | None, url: str | None) -> str:
    """What the customer reads; the tracking number is how a retry finds its own note."""
    parts = [f"Shipped with {carrier}" if carrier else "Shipped"]
    if tracking:
        parts.append(f"tracking number {tracking}")
    text = ", ".join(parts) + "."
    return f"{text} {url}" if url else text


def payload(event: ShipmentDispatched) -> tuple[dict[str, Any], str | None]:
    """What the write-back sends, and why it cannot be, when it cannot."""
    order_id = orders.order_id_of(event.external_id)
    carrier = event.carrier_company or event.service or event.carrier
    body = {
        "order_id": order_id,
        "tracking_number": event.tracking_number,
        "note": note_text(carrier, event.tracking_number, event.tracking_url),
        "complete": event.completes_order,  # a partial shipment only adds its note
    }
    if order_id is None:
        return body, f"not a WooCommerce order id: {event.external_id!r}"
    return body, None


def note_already_there(notes: list[dict[str, Any]], note: str, tracking: str | None) -> str | None:
    """The id of a customer note already carrying this shipment, if any."""
    for existing in notes:
        text = str(existing.get("note") or "")
        if text == note or (tracking and tracking in text):
            return str(existing.get("id") or "") or None
    return None


async def once(api: WooApi, body: dict[str, Any]) -> str | None:
    """One try; returns the note's id."""
    order_id = str(body["order_id"])
    note, tracking = str(body["note"]), body.get("tracking_number")
    order = await api.order(order_id)
    stage = orders.stage_of(str(order.get("status") or ""))
    if stage is orders.Stage.ENDED:
        raise Refused(f"WooCommerce order {order_id} is {order.get('status')}: not completed")
    note_id = note_already_there(await api.notes(order_id), note, tracking)
    if note_id is None:
        created = await api.add_note(order_id, note, customer_note=True)
        note_id = str(created.get("id") or "") or None
    if body.get("complete", True) and order.get("status") != COMPLETED:
        await api.set_status(order_id, COMPLETED)
    return note_id


async def attempt(
    engine: AsyncEngine, http: httpx.AsyncClient, row: Any
) -> Callable[[], Awaitable[str | None]]:
    """One try of the write-back in ``row``, ready to be retried; Refused when the store
    cannot be written to at all."""
    async with engine.connect() as conn:
        store = await repository.store(conn, row.shop)
    if store is None:
        raise Refused(f"no WooCommerce store {row.shop}")
    if store.uninstalled_at is not None:
        raise Refused(f"WooCommerce store {row.shop} is disconnected")
    api = reconciliation.api_for(http, store)
    return lambda: once(api, dict(row.payload))
