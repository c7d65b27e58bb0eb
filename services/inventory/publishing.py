"""Staging inventory's events with the causality of the event or request behind them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory.replenishment import reorder_watch
from services.inventory.stock import lot_repository
from shared import outbox
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope


async def publish(
    conn: AsyncConnection,
    events: Sequence[Event],
    *,
    cause: Envelope | None = None,
    touched_lots: Sequence[int] = (),
) -> None:
    """Stage ``events`` plus a fresh snapshot of every lot the transaction changed; the
    changed items' reorder points are checked in the same transaction."""
    snapshots = await lot_repository.bump_lots(conn, touched_lots)
    await reorder_watch.raise_suggestions(conn, [s.item_code for s in snapshots])
    await outbox.add(
        conn,
        [*events, *snapshots],
        correlation_id=(cause.correlation_id or cause.event_id) if cause else None,
        causation_id=cause.event_id if cause else None,
    )
