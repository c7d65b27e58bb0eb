"""Queries on ``connectors_write_back``: one row per shipment to tell a channel about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors import tables as t

W = t.write_back


def _lease(seconds: float) -> sa.ColumnElement[Any]:
    return sa.func.now() + sa.literal(timedelta(seconds=seconds), sa.Interval)


async def insert_write_back(conn: AsyncConnection, **values: Any) -> bool:
    """False when the shipment already has its write-back (one per shipment, ever)."""
    result = await conn.execute(
        insert(W)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[W.c.shipment_id])
        .returning(W.c.id)
    )
    return result.first() is not None


async def soonest_due(engine: AsyncEngine) -> tuple[datetime | None, datetime]:
    """When the first pending row can be taken (a failed try's wait is its lease), and the
    database's now."""
    free_at = sa.func.coalesce(W.c.claimed_until, sa.func.now())
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(sa.func.min(free_at).filter(W.c.status == "pending"), sa.func.now())
            )
        ).one()
    return row[0], row[1]


async def claim(
    conn: AsyncConnection, *, lease_seconds: float, write_back_id: UUID | None = None
) -> Any:
    """The oldest pending row nobody holds (or the one named), now held by the caller
    until the lease ends; None when there is none."""
    free = (
        sa.select(W.c.id)
        .where(
            W.c.status == "pending",
            sa.or_(W.c.claimed_until.is_(None), W.c.claimed_until < sa.func.now()),
            *([W.c.id == write_back_id] if write_back_id is not None else []),
        )
        .order_by(W.c.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await conn.execute(
        W.update()
        .where(W.c.id == free)
        .values(claimed_until=_lease(lease_seconds), updated_at=sa.func.now())
        .returning(*W.c)
    )
    return result.first()


async def record_failed_attempt(
    conn: AsyncConnection, write_back_id: UUID, *, error: str, lease_seconds: float
) -> None:
    """One more try failed; the lease is renewed for the wait before the next one."""
    await conn.execute(
        W.update()
        .where(W.c.id == write_back_id, W.c.status == "pending")
        .values(
            attempts=W.c.attempts + 1,
            last_error=error,
            claimed_until=_lease(lease_seconds),
            updated_at=sa.func.now(),
        )
    )


async def finish(
    conn: AsyncConnection,
    write_back_id: UUID,
    *,
    status: str,
    attempts_added: int,
    error: str | None = None,
    external_fulfillment_id: str | None = None,
) -> Any:
    """Move a pending row to done or dead; None when it was not pending any more."""
    values: dict[str, Any] = {
        "status": status,
        "attempts": W.c.attempts + attempts_added,
        "claimed_until": None,
        "updated_at": sa.func.now(),
    }
    if error is not None:
        values["last_error"] = error
    if external_fulfillment_id is not None:
        values["external_fulfillment_id"] = external_fulfillment_id
    result = await conn.execute(
        W.update()
        .where(W.c.id == write_back_id, W.c.status == "pending")
        .values(**values)
        .returning(*W.c)
    )
    return result.first()


async def replay(conn: AsyncConnection, write_back_id: UUID) -> Any:
    """dead → pending with its attempts reset; None when the row is not dead."""
    result = await conn.execute(
        W.update()
        .where(W.c.id == write_back_id, W.c.status == "dead")
        .values(status="pending", attempts=0, claimed_until=None, updated_at=sa.func.now())
        .returning(*W.c)
    )
    return result.first()


async def get(conn: AsyncConnection, write_back_id: UUID) -> Any:
    return (await conn.execute(sa.select(W).where(W.c.id == write_back_id))).first()


async def list_write_backs(
    conn: AsyncConnection, *, status: str | None, limit: int, offset: int = 0
) -> Sequence[Any]:
    query = sa.select(W).order_by(W.c.created_at.desc(), W.c.id).limit(limit).offset(offset)
    if status is not None:
        query = query.where(W.c.status == status)
    return (await conn.execute(query)).all()


async def claimed_fulfillments(
    conn: AsyncConnection, *, shop: str, external_id: str, other_than: UUID
) -> set[str]:
    """Fulfillment ids other write-backs of the same channel order already own."""
    rows = await conn.execute(
        sa.select(W.c.external_fulfillment_id).where(
            W.c.shop == shop,
            W.c.external_id == external_id,
            W.c.id != other_than,
            W.c.external_fulfillment_id.is_not(None),
        )
    )
    return {str(r.external_fulfillment_id) for r in rows}
