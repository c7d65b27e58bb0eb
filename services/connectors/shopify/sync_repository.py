"""Queries of the Shopify order sync: the inbox of raw deliveries, each order's last applied
state, refunds seen, and each shop's reconciliation watermark."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors import tables as t
from services.connectors.shopify.order_state import StoredOrder
from shared.hot_sql import HotStatement, bound
from shared.retention import Prune

D = t.webhook_delivery
O = t.shopify_order  # noqa: E741 - the table's short name, like D and R
R = t.shopify_reconciliation

# Done deliveries only serve to recognise Shopify re-sending one (for up to 48 hours): past
# the retention window they go (``shared.retention``). Pending and dead ones stay, for the
# worker and for an operator's replay.
# What a received webhook is stored with (the rest is the database's: received_at, attempts).
DELIVERY_FIELDS = (
    "webhook_id",
    "shop_domain",
    "topic",
    "event_id",
    "external_id",
    "outcome",
    "body",
    "status",
    "last_error",
)
DONE_DELIVERIES = Prune(
    "connectors_webhook_delivery", D, (D.c.webhook_id,), D.c.received_at, (D.c.status == "done",)
)


_INSERT_DELIVERY = HotStatement(
    insert(D).values(bound(*DELIVERY_FIELDS)).on_conflict_do_nothing().returning(D.c.webhook_id)
)


async def insert_delivery(conn: AsyncConnection, *, alone: bool = False, **values: Any) -> bool:
    """False when this webhook id was already received (Shopify retries re-send it).
    ``alone``: committed by itself, on a connection with no transaction begun."""
    if unknown := set(values) - set(DELIVERY_FIELDS):
        raise TypeError(f"not a delivery's field: {sorted(unknown)}")
    if alone:
        return bool(await _INSERT_DELIVERY.fetch_alone(conn, **values))
    return await _INSERT_DELIVERY.fetchrow(conn, **values) is not None


def _due() -> sa.Select[Any]:
    return (
        sa.select(D)
        .where(
            D.c.status == "pending",
            sa.or_(D.c.due_at.is_(None), D.c.due_at <= sa.func.now()),
        )
        .order_by(D.c.received_at)
        .with_for_update(skip_locked=True)
    )


_CLAIM = HotStatement(_due().limit(sa.bindparam("limit")))


async def claim_delivery(conn: AsyncConnection) -> Any:
    """The oldest pending delivery due for processing, locked for this transaction."""
    return await _CLAIM.fetchrow(conn, limit=1)


_SOONEST_DUE = HotStatement(
    sa.select(
        sa.func.min(sa.func.coalesce(D.c.due_at, sa.func.now())).filter(D.c.status == "pending"),
        sa.func.now(),
    )
)


async def soonest_due(engine: AsyncEngine) -> tuple[datetime | None, datetime]:
    """When the first pending webhook delivery falls due, and the database's now."""
    async with engine.connect() as conn:
        rows = await _SOONEST_DUE.fetch(conn)
    (row,) = rows  # an aggregate: exactly one row
    return row[0], row[1]


async def claim_deliveries(conn: AsyncConnection, *, limit: int) -> Sequence[Any]:
    """The oldest ``limit`` pending deliveries due, oldest first, locked for this
    transaction (another worker skips them)."""
    return await _CLAIM.fetch(conn, limit=limit)


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


_FINISH = HotStatement(
    D.update()
    .where(D.c.webhook_id == sa.bindparam("b_webhook_id"))
    .values(
        status="done",
        outcome=sa.bindparam("b_outcome"),
        attempts=D.c.attempts + 1,
        processed_at=sa.func.now(),
        last_error=None,
    )
)


async def finish_deliveries(conn: AsyncConnection, finished: Sequence[tuple[str, str]]) -> None:
    """Mark many deliveries done in one round trip: (webhook id, outcome) each."""
    await _FINISH.execute_many(
        conn,
        [{"b_webhook_id": webhook_id, "b_outcome": outcome} for webhook_id, outcome in finished],
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


def _lock_orders() -> HotStatement:
    name = sa.column("name", sa.Text)
    names = sa.bindparam("names", type_=ARRAY(sa.Text))
    return HotStatement(
        sa.select(
            sa.func.count(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(name, 0)))
        ).select_from(sa.func.unnest(names).alias("name"))
    )


_LOCK_ORDERS = _lock_orders()


async def lock_orders(conn: AsyncConnection, keys: Sequence[tuple[str, str]]) -> None:
    """``lock_order`` for many (shop, external id) in one round trip, in sorted order, so
    two batches locking overlapping orders cannot deadlock."""
    if not keys:
        return
    names = sorted({f"{shop}:{external_id}" for shop, external_id in keys})
    await _LOCK_ORDERS.execute(conn, names=names)


def _stored(row: Any) -> StoredOrder:
    return StoredOrder(row.updated_at, row.cancelled_at, {k: int(v) for k, v in row.lines.items()})


_STORED_ORDER = HotStatement(
    sa.select(O).where(
        O.c.shop_domain == sa.bindparam("shop"), O.c.external_id == sa.bindparam("external_id")
    )
)


async def stored_order(conn: AsyncConnection, shop: str, external_id: str) -> StoredOrder | None:
    row = await _STORED_ORDER.fetchrow(conn, shop=shop, external_id=external_id)
    return None if row is None else _stored(row)


def _stored_orders() -> HotStatement:
    """The rows of (shop, external id) pairs given as two parallel arrays, one SQL text
    whatever their number."""
    pairs = (
        sa.func.unnest(
            sa.bindparam("shops", type_=ARRAY(sa.Text)), sa.bindparam("ids", type_=ARRAY(sa.Text))
        )
        .table_valued("shop_domain", "external_id")
        .render_derived(name="pairs")
    )
    return HotStatement(
        sa.select(O).where(
            sa.tuple_(O.c.shop_domain, O.c.external_id).in_(
                sa.select(pairs.c.shop_domain, pairs.c.external_id)
            )
        )
    )


_STORED_ORDERS = _stored_orders()


async def stored_orders(
    conn: AsyncConnection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], StoredOrder]:
    """``stored_order`` for many (shop, external id) in one round trip; absent ones left out."""
    if not keys:
        return {}
    unique = list(set(keys))
    rows = await _STORED_ORDERS.fetch(
        conn, shops=[shop for shop, _ in unique], ids=[external_id for _, external_id in unique]
    )
    return {(row.shop_domain, row.external_id): _stored(row) for row in rows}


async def save_order(
    conn: AsyncConnection, shop: str, external_id: str, state: StoredOrder, *, source: str
) -> None:
    """Upsert; a cancellation once stored is never cleared."""
    await save_orders(conn, [(shop, external_id, state, source)])


def _save_order() -> HotStatement:
    fields = ("shop_domain", "external_id", "updated_at", "cancelled_at", "lines", "source")
    statement = insert(O).values(bound(*fields))
    excluded = statement.excluded
    return HotStatement(
        statement.on_conflict_do_update(
            index_elements=[O.c.shop_domain, O.c.external_id],
            set_={
                "updated_at": excluded.updated_at,
                "lines": excluded.lines,
                "source": excluded.source,
                "cancelled_at": sa.func.coalesce(O.c.cancelled_at, excluded.cancelled_at),
                "changed_at": sa.func.now(),
            },
        )
    )


_SAVE_ORDER = _save_order()


async def save_orders(
    conn: AsyncConnection, states: Sequence[tuple[str, str, StoredOrder, str]]
) -> None:
    """``save_order`` for many (shop, external id, state, source) in one round trip (one
    upsert per order, pipelined); each order at most once."""
    await _SAVE_ORDER.execute_many(
        conn,
        [
            {
                "shop_domain": shop,
                "external_id": external_id,
                "updated_at": state.updated_at,
                "cancelled_at": state.cancelled_at,
                "lines": state.lines,
                "source": source,
            }
            for shop, external_id, state, source in states
        ],
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
