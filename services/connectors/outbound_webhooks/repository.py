"""Queries on ``connectors_outbound_webhook`` (subscriptions) and
``connectors_outbound_delivery`` (one row per subscription and event)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors import tables as t
from shared.hot_sql import HotStatement
from shared.retention import Prune

S = t.outbound_webhook
D = t.outbound_delivery

# Everything of a subscription but its secrets: what listings return.
SECRET_COLUMNS = ("secret", "previous_secret")
PUBLIC_COLUMNS = tuple(c for c in S.c if c.name not in SECRET_COLUMNS)
# Everything of a delivery but its body.
LOG_COLUMNS = tuple(c for c in D.c if c.name != "body")


# Delivered rows are kept as long as the inbox remembers their event (a redelivery past
# that window cannot happen), then pruned with it; pending and dead rows stay.
DONE_DELIVERIES = Prune(
    "connectors_outbound_delivery", D, (D.c.id,), D.c.created_at, (D.c.status == "done",)
)


def _in(seconds: float) -> sa.ColumnElement[Any]:
    return sa.func.now() + sa.literal(timedelta(seconds=seconds), sa.Interval)


# --- subscriptions ------------------------------------------------------------------------


async def insert_subscription(conn: AsyncConnection, **values: Any) -> Any:
    result = await conn.execute(S.insert().values(**values).returning(*PUBLIC_COLUMNS))
    return result.one()


async def subscription(conn: AsyncConnection, subscription_id: UUID) -> Any:
    query = sa.select(*PUBLIC_COLUMNS).where(S.c.id == subscription_id)
    return (await conn.execute(query)).first()


async def subscriptions(conn: AsyncConnection, *, enabled: bool | None = None) -> Sequence[Any]:
    query = sa.select(*PUBLIC_COLUMNS).order_by(S.c.created_at, S.c.id)
    if enabled is not None:
        query = query.where(S.c.enabled.is_(enabled))
    return (await conn.execute(query)).all()


# Asked before every batch of the outbound-webhook groups (every order's events): hot.
_ANY_ENABLED = HotStatement(sa.select(sa.exists().where(S.c.enabled.is_(True)).label("any")))


async def any_enabled(engine: AsyncEngine) -> bool:
    """Whether any subscription is enabled: one statement, outside any transaction. Never
    cached: a subscription enabled a moment ago must get the events that follow."""
    async with engine.connect() as conn:
        [row] = await _ANY_ENABLED.fetch_alone(conn)
        return bool(row.any)


async def enabled_subscriptions(conn: AsyncConnection) -> Sequence[Any]:
    """Every enabled subscription and the event types it asks for."""
    query = sa.select(S.c.id, S.c.created_at, S.c.event_types).where(S.c.enabled.is_(True))
    return (await conn.execute(query)).all()


async def set_enabled(
    conn: AsyncConnection, subscription_id: UUID, *, enabled: bool, reason: str | None
) -> Any:
    values: dict[str, Any] = {"enabled": enabled, "updated_at": sa.func.now()}
    if enabled:
        values |= {"disabled_reason": None, "disabled_at": None, "consecutive_dead": 0}
    else:
        values |= {"disabled_reason": reason, "disabled_at": sa.func.now()}
    result = await conn.execute(
        S.update().where(S.c.id == subscription_id).values(**values).returning(*PUBLIC_COLUMNS)
    )
    return result.first()


async def delete_subscription(conn: AsyncConnection, subscription_id: UUID) -> bool:
    result = await conn.execute(S.delete().where(S.c.id == subscription_id).returning(S.c.id))
    return result.first() is not None


async def rotate_secret(
    conn: AsyncConnection, subscription_id: UUID, *, secret: str, grace_seconds: float
) -> Any:
    """``secret`` becomes the subscription's; the one it replaces is kept (its ciphertext
    copied as is, never read here) and signs too for ``grace_seconds``. A previous secret
    still in its grace is dropped: only the newest two ever sign. None if unknown."""
    keep = grace_seconds > 0
    values: dict[str, Any] = {
        "secret": secret,
        "previous_secret": S.c.secret if keep else None,
        "previous_secret_until": _in(grace_seconds) if keep else None,
        "secret_rotated_at": sa.func.now(),
        "updated_at": sa.func.now(),
    }
    result = await conn.execute(
        S.update().where(S.c.id == subscription_id).values(**values).returning(*PUBLIC_COLUMNS)
    )
    return result.first()


async def forget_expired_secrets(conn: AsyncConnection, *, now: datetime) -> int:
    """Clear every previous secret whose grace period ended by ``now``; how many."""
    result = await conn.execute(
        S.update()
        .where(S.c.previous_secret_until.is_not(None), S.c.previous_secret_until <= now)
        .values(previous_secret=None, previous_secret_until=None)
        .returning(S.c.id)
    )
    return len(result.all())


async def delivered(conn: AsyncConnection, subscription_id: UUID) -> None:
    """A delivery went through: no dead ones in a row any more."""
    await conn.execute(
        S.update()
        .where(S.c.id == subscription_id, S.c.consecutive_dead != 0)
        .values(consecutive_dead=0)
    )


async def one_more_dead(conn: AsyncConnection, subscription_id: UUID) -> Any:
    """Count a dead delivery; the subscription as it now stands."""
    result = await conn.execute(
        S.update()
        .where(S.c.id == subscription_id)
        .values(consecutive_dead=S.c.consecutive_dead + 1, updated_at=sa.func.now())
        .returning(*PUBLIC_COLUMNS)
    )
    return result.first()


# --- deliveries -----------------------------------------------------------------------------


async def insert_deliveries(conn: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    """Stage ``rows``; one per subscription and event, ever (a redelivery adds none)."""
    if not rows:
        return 0
    result = await conn.execute(
        insert(D)
        .values(rows)
        .on_conflict_do_nothing(constraint="outbound_delivery_once")
        .returning(D.c.id)
    )
    return len(result.all())


async def soonest_due(engine: AsyncEngine) -> tuple[datetime | None, datetime]:
    """When the first pending delivery of an enabled subscription falls due and nobody
    holds it (a delivery held back behind an earlier one is counted: the worker then looks
    again, never sooner than its shortest pause), and the database's now."""
    free_at = sa.func.greatest(D.c.due_at, sa.func.coalesce(D.c.claimed_until, D.c.due_at))
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(sa.func.min(free_at), sa.func.now())
                .select_from(D.join(S, S.c.id == D.c.subscription_id))
                .where(D.c.status == "pending", S.c.enabled.is_(True))
            )
        ).one()
    return row[0], row[1]


async def claim(
    conn: AsyncConnection, *, lease_seconds: float, delivery_id: UUID | None = None
) -> Any:
    """The next due delivery of an enabled subscription that nobody holds and that no
    earlier pending delivery of the same subscription and key holds back, now held by the
    caller until the lease ends (with its subscription's URL and secrets); None if none."""
    earlier = D.alias("earlier")
    held_back = sa.exists().where(
        earlier.c.subscription_id == D.c.subscription_id,
        earlier.c.ordering_key == D.c.ordering_key,
        earlier.c.status == "pending",
        earlier.c.seq < D.c.seq,
    )
    free = (
        sa.select(D.c.id)
        .join(S, S.c.id == D.c.subscription_id)
        .where(
            D.c.status == "pending",
            D.c.due_at <= sa.func.now(),
            sa.or_(D.c.claimed_until.is_(None), D.c.claimed_until < sa.func.now()),
            S.c.enabled.is_(True),
            ~held_back,
            *([D.c.id == delivery_id] if delivery_id is not None else []),
        )
        .order_by(D.c.due_at, D.c.seq)
        .limit(1)
        .with_for_update(of=D, skip_locked=True)
        .scalar_subquery()
    )
    claimed = (
        D.update()
        .where(D.c.id == free)
        .values(
            claimed_until=_in(lease_seconds),
            first_tried_at=sa.func.coalesce(D.c.first_tried_at, sa.func.now()),
            updated_at=sa.func.now(),
        )
        .returning(*D.c)
        .cte("claimed")
    )
    query = sa.select(
        claimed,
        S.c.url,
        S.c.secret,
        S.c.previous_secret,
        S.c.previous_secret_until,
        (sa.func.extract("epoch", sa.func.now() - claimed.c.first_tried_at)).label("tried_for"),
    ).join(S, S.c.id == claimed.c.subscription_id)
    return (await conn.execute(query)).first()


async def finish(
    conn: AsyncConnection,
    delivery_id: UUID,
    *,
    status: str,
    status_code: int | None,
    error: str | None,
) -> Any:
    """One try ended in ``done`` or ``dead``; None when the row was not pending any more."""
    values: dict[str, Any] = {
        "status": status,
        "attempts": D.c.attempts + 1,
        "last_status_code": status_code,
        "last_error": error,
        "claimed_until": None,
        "updated_at": sa.func.now(),
    }
    if status == "done":
        values["delivered_at"] = sa.func.now()
    result = await conn.execute(
        D.update()
        .where(D.c.id == delivery_id, D.c.status == "pending")
        .values(**values)
        .returning(*LOG_COLUMNS)
    )
    return result.first()


async def retry_later(
    conn: AsyncConnection,
    delivery_id: UUID,
    *,
    wait_seconds: float,
    status_code: int | None,
    error: str,
) -> None:
    """One try failed; the delivery is due again in ``wait_seconds`` (and free then)."""
    await conn.execute(
        D.update()
        .where(D.c.id == delivery_id, D.c.status == "pending")
        .values(
            attempts=D.c.attempts + 1,
            last_status_code=status_code,
            last_error=error,
            due_at=_in(wait_seconds),
            claimed_until=None,
            updated_at=sa.func.now(),
        )
    )


async def replay(conn: AsyncConnection, delivery_id: UUID) -> Any:
    """dead → pending, attempts and time budget reset; None when the row is not dead."""
    result = await conn.execute(
        D.update()
        .where(D.c.id == delivery_id, D.c.status == "dead")
        .values(
            status="pending",
            attempts=0,
            first_tried_at=None,
            due_at=sa.func.now(),
            claimed_until=None,
            updated_at=sa.func.now(),
        )
        .returning(*LOG_COLUMNS)
    )
    return result.first()


async def delivery(conn: AsyncConnection, delivery_id: UUID) -> Any:
    return (await conn.execute(sa.select(*LOG_COLUMNS).where(D.c.id == delivery_id))).first()


async def deliveries(
    conn: AsyncConnection,
    *,
    subscription_id: UUID | None,
    status: str | None,
    limit: int,
    offset: int = 0,
) -> Sequence[Any]:
    query = sa.select(*LOG_COLUMNS).order_by(D.c.seq.desc()).limit(limit).offset(offset)
    if subscription_id is not None:
        query = query.where(D.c.subscription_id == subscription_id)
    if status is not None:
        query = query.where(D.c.status == status)
    return (await conn.execute(query)).all()


async def counts(conn: AsyncConnection) -> dict[tuple[UUID, str], int]:
    """How many deliveries each subscription has in each status."""
    rows = await conn.execute(
        sa.select(D.c.subscription_id, D.c.status, sa.func.count()).group_by(
            D.c.subscription_id, D.c.status
        )
    )
    return {(r[0], r[1]): int(r[2]) for r in rows}
