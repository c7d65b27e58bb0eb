"""Queries of the Shopify order sync: the inbox of raw deliveries, each order's last applied
state, refunds seen, and each shop's reconciliation watermark."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors import tables as t
from services.connectors.shopify.order_state import StoredOrder
from shared.retention import Prune

D = t.webhook_delivery
O = t.shopify_order  # noqa: E741 - the table's short name, like D and R
R = t.shopify_reconciliation

# Done deliveries only serve to recognise Shopify re-sending one (for up to 48 hours): past
# the retention window they go (``shared.retention``). Pending and dead ones stay, for the
# worker and for an operator's replay.
DONE_DELIVERIES = Prune(
    "connectors_webhook_delivery", D, (D.c.webhook_id,), D.c.received_at, (D.c.status == "done",)
)


async def insert_delivery(conn: AsyncConnection, **values: Any) -> bool:
    """False when this webhook id was already received (Shopify retries re-send it)."""
    result = await conn.execute(
        insert(D).values(**values).on_conflict_do_nothing().returning(D.c.webhook_id)
    )
    return result.first() is not None


async def claim_delivery(conn: AsyncConnection) -> Any:
    """The oldest pending delivery due for processing, locked for this transaction."""
    return (
        await conn.execute(
            sa.select(D)
            .where(
                D.c.status == "pending",
                sa.or_(D.c.due_at.is_(None), D.c.due_at <= sa.func.now()),
            )
            .order_by(D.c.received_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).first()


async def finish_delivery(
    conn: AsyncConnection, webhook_id: str, *, outcome: str, external_id: str | None
) -> None:
    await conn.execute(
        D.update()
        .where(D.c.webhook_id == webhook_id)
        .values(
            status="done",
            outcome=outcome,
            external_id=external_id,
            attempts=D.c.attempts + 1,
            processed_at=sa.func.now(),
            last_error=None,
        )
    )


async def fail_delivery(
    conn: AsyncConnection, webhook_id: str, *, error: str, dead: bool, retry_in: float
) -> None:
    """Another failed try: pending again after ``retry_in`` seconds, or dead."""
    await conn.execute(
        D.update()
        .where(D.c.webhook_id == webhook_id)
        .values(
            status="dead" if dead else "pending",
            attempts=D.c.attempts + 1,
            last_error=error,
            due_at=sa.func.now() + sa.literal(timedelta(seconds=retry_in), sa.Interval),
        )
    )


async def deliveries(
    conn: AsyncConnection, *, status: str | None, limit: int, offset: int = 0
) -> Sequence[Any]:
    query = (
        sa.select(D).order_by(D.c.received_at.desc(), D.c.webhook_id).limit(limit).offset(offset)
    )
    if status is not None:
        query = query.where(D.c.status == status)
    return (await conn.execute(query)).all()


async def replay_delivery(conn: AsyncConnection, webhook_id: str) -> Any:
    """dead → pending with its attempts reset; None when it is not dead."""
    return (
        await conn.execute(
            D.update()
            .where(D.c.webhook_id == webhook_id, D.c.status == "dead")
            .values(status="pending", attempts=0, due_at=None)
            .returning(*D.c)
        )
    ).first()


async def delivery(conn: AsyncConnection, webhook_id: str) -> Any:
    return (await conn.execute(sa.select(D).where(D.c.webhook_id == webhook_id))).first()


async def lock_order(conn: AsyncConnection, shop: str, external_id: str) -> None:
    """Serialise everything about one channel order, even before its first row exists."""
    await conn.execute(
        sa.select(
            sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(f"{shop}:{external_id}", 0))
        )
    )


async def stored_order(conn: AsyncConnection, shop: str, external_id: str) -> StoredOrder | None:
    row = (
        await conn.execute(
            sa.select(O).where(O.c.shop_domain == shop, O.c.external_id == external_id)
        )
    ).first()
    if row is None:
        return None
    return StoredOrder(row.updated_at, row.cancelled_at, {k: int(v) for k, v in row.lines.items()})


async def save_order(
    conn: AsyncConnection, shop: str, external_id: str, state: StoredOrder, *, source: str
) -> None:
    """Upsert; a cancellation once stored is never cleared."""
    values = {
        "updated_at": state.updated_at,
        "cancelled_at": state.cancelled_at,
        "lines": state.lines,
        "source": source,
    }
    statement = insert(O).values(shop_domain=shop, external_id=external_id, **values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[O.c.shop_domain, O.c.external_id],
            set_={
                **values,
                "cancelled_at": sa.func.coalesce(O.c.cancelled_at, statement.excluded.cancelled_at),
                "changed_at": sa.func.now(),
            },
        )
    )


async def record_refund(
    conn: AsyncConnection, shop: str, refund_id: str, *, external_id: str, source: str
) -> bool:
    """False when this refund was already mirrored (webhook and reconciliation both see it)."""
    result = await conn.execute(
        insert(t.shopify_refund)
        .values(shop_domain=shop, refund_id=refund_id, external_id=external_id, source=source)
        .on_conflict_do_nothing()
        .returning(t.shopify_refund.c.refund_id)
    )
    return result.first() is not None


async def reconciliation(conn: AsyncConnection, shop: str) -> Any:
    return (await conn.execute(sa.select(R).where(R.c.shop_domain == shop))).first()


async def record_reconciliation(
    conn: AsyncConnection,
    shop: str,
    *,
    succeeded_until: datetime | None,
    error: str | None,
    seen: int,
    applied: int,
) -> None:
    """A run's end: on success the watermark moves (never backwards); on failure it stays."""
    ok = error is None
    values: dict[str, Any] = {
        "status": "ok" if ok else "dead",
        "last_error": error,
        "last_run_at": sa.func.now(),
        "orders_seen": seen,
        "orders_applied": applied,
    }
    statement = insert(R).values(
        shop_domain=shop,
        watermark=succeeded_until if ok else None,
        failures=0 if ok else 1,
        last_success_at=sa.func.now() if ok else None,
        **values,
    )
    update: dict[str, Any] = dict(values)
    if ok:
        update["watermark"] = sa.func.greatest(R.c.watermark, statement.excluded.watermark)
        update["failures"] = 0
        update["last_success_at"] = sa.func.now()
    else:
        update["failures"] = R.c.failures + 1
    await conn.execute(
        statement.on_conflict_do_update(index_elements=[R.c.shop_domain], set_=update)
    )
