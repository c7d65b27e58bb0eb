"""Where is my order? Everything that happened to it, across services, in time order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import tables as t
from services.orders.notifications import for_order


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    summary: str
    detail: dict[str, Any]


def _status(row: Any) -> Entry:
    summary = f"{row.previous} → {row.status}" if row.previous else row.status
    if row.reason:
        summary += f" ({row.reason})"
    return Entry(row.at, f"status.{row.status}", summary, {"reason": row.reason})


async def timeline(conn: AsyncConnection, order_id: UUID) -> list[Entry]:
    """Status history, production news, shipments, deliveries, channel write-backs and
    customer e-mail with its delivery result."""
    entries = [
        _status(r)
        for r in await conn.execute(
            sa.select(t.status_history).where(t.status_history.c.order_id == order_id)
        )
    ]
    for r in await conn.execute(
        sa.select(t.channel_event).where(t.channel_event.c.order_id == order_id)
    ):
        entries.append(Entry(r.at, r.kind, r.detail or r.kind, {"shipment_id": r.shipment_id}))
    for r in await conn.execute(sa.select(t.shipment).where(t.shipment.c.order_id == order_id)):
        tracking = f", tracking {r.tracking_number}" if r.tracking_number else ""
        detail = {"shipment_id": str(r.id), "tracking_url": r.tracking_url}
        entries.append(Entry(r.created_at, "shipment.dispatched", f"{r.carrier}{tracking}", detail))
        if r.delivered_at is not None:
            entries.append(Entry(r.delivered_at, "shipment.delivered", r.carrier, detail))
    for n in await for_order(conn, order_id):
        result = f"{n.status}" + (f": {n.detail}" if n.detail else "")
        entries.append(
            Entry(
                n.sent_at or n.created_at,
                f"notification.{n.kind}",
                f"e-mail ({n.locale}) to {n.recipient or '-'}: {result}",
                {"attempts": n.attempts, "status": str(n.status)},
            )
        )
    return sorted(entries, key=lambda e: (e.at, e.kind))
