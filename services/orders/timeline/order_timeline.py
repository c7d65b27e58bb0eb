"""Where is my order? Everything that happened to it, across services, in time order.

Each entry has an English ``summary`` (API clients, the CLI) and in ``detail`` the facts it
states — statuses, lots, quantities, a production order's id and number, tracking — from
which the dashboard says it as a sentence in the reader's language, with links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import tables as t
from services.orders.notifications import for_order

# Production news logged before each production order's news was said once came twice, a
# moment apart, with the same words: such entries this close together are one event. Other
# kinds repeat for real (two parcels delivered by one carrier in the same minute).
SAME_EVENT_WITHIN = timedelta(seconds=10)
SAID_TWICE = "production."


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
    facts = {"previous": row.previous, "status": row.status, "reason": row.reason}
    return Entry(row.at, f"status.{row.status}", summary, facts)


def once(entries: Sequence[Entry]) -> list[Entry]:
    """``entries`` in time order without repeats: a production entry of the same kind and
    words as one kept less than ``SAME_EVENT_WITHIN`` before it is the same event said
    twice. What one transaction wrote (the same time) keeps the order given: status first."""
    kept: list[Entry] = []
    last_seen: dict[tuple[str, str], datetime] = {}
    for entry in sorted(entries, key=lambda e: e.at):
        key = (entry.kind, entry.summary)
        seen = last_seen.get(key)
        repeated = seen is not None and entry.at - seen < SAME_EVENT_WITHIN
        if repeated and entry.kind.startswith(SAID_TWICE):
            continue
        last_seen[key] = entry.at
        kept.append(entry)
    return kept


async def timeline(conn: AsyncConnection, order_id: UUID) -> list[Entry]:
    """Status history, reservations, production news, promises, shipments, deliveries,
    channel write-backs and customer e-mail with its delivery result."""
    entries = [
        _status(r)
        for r in await conn.execute(
            sa.select(t.status_history)
            .where(t.status_history.c.order_id == order_id)
            .order_by(t.status_history.c.id)
        )
    ]
    for r in await conn.execute(
        sa.select(t.channel_event)
        .where(t.channel_event.c.order_id == order_id)
        .order_by(t.channel_event.c.id)
    ):
        facts = {**(r.data or {}), "shipment_id": str(r.shipment_id) if r.shipment_id else None}
        entries.append(Entry(r.at, r.kind, r.detail or r.kind, facts))
    shipments = sa.select(t.shipment).where(t.shipment.c.order_id == order_id)
    for r in await conn.execute(shipments.order_by(t.shipment.c.created_at, t.shipment.c.id)):
        tracking = f", tracking {r.tracking_number}" if r.tracking_number else ""
        detail = {
            "shipment_id": str(r.id),
            "carrier": r.carrier,
            "service": r.service,
            "tracking_number": r.tracking_number,
            "tracking_url": r.tracking_url,
        }
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
                {
                    "attempts": n.attempts,
                    "status": str(n.status),
                    "locale": n.locale,
                    "recipient": n.recipient,
                    "error": n.detail,
                },
            )
        )
    return once(entries)
