"""WooCommerce queries: stores, the orders seen, the webhook deliveries seen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors import tables as t
from services.connectors.woocommerce.orders import CHANNEL

S, W, WO, D = t.shop, t.woocommerce_store, t.woocommerce_order, t.woocommerce_delivery

STORE_COLUMNS = (
    S.c.domain,
    S.c.admin_api_url.label("base_url"),
    S.c.access_token.label("consumer_secret"),
    S.c.webhook_secret,
    S.c.uninstalled_at,
    W.c.consumer_key,
    W.c.watermark,
    W.c.last_reconciled_at,
    W.c.last_error,
    W.c.created_at,
)


async def insert_store(conn: AsyncConnection, *, domain: str, consumer_key: str) -> None:
    await conn.execute(sa.insert(W).values(domain=domain, consumer_key=consumer_key))


async def store(conn: AsyncConnection, domain: str) -> Any:
    """The store with its secrets (callers never return them)."""
    query = sa.select(*STORE_COLUMNS).join(W, W.c.domain == S.c.domain).where(S.c.domain == domain)
    return (await conn.execute(query)).first()


async def stores(conn: AsyncConnection) -> Sequence[Any]:
    query = (
        sa.select(S.c.domain)
        .join(W, W.c.domain == S.c.domain)
        .where(S.c.channel == CHANNEL, S.c.uninstalled_at.is_(None))
        .order_by(S.c.domain)
    )
    return (await conn.execute(query)).all()


async def record_run(
    conn: AsyncConnection, domain: str, *, watermark: datetime | None, error: str | None
) -> None:
    values: dict[str, Any] = {"last_reconciled_at": sa.func.now(), "last_error": error}
    if watermark is not None:
        values["watermark"] = sa.func.greatest(
            sa.func.coalesce(W.c.watermark, watermark), watermark
        )
    await conn.execute(W.update().where(W.c.domain == domain).values(**values))


async def locked_order(conn: AsyncConnection, domain: str, order_id: str) -> Any:
    """The order's row, locked for this transaction; a first sight takes a transaction lock
    on its key instead, so two pictures of one new order are applied one after the other."""
    key = sa.func.hashtextextended(f"lotline:woocommerce:{domain}:{order_id}", 0)
    await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    query = sa.select(WO).where(WO.c.domain == domain, WO.c.order_id == order_id).with_for_update()
    return (await conn.execute(query)).first()


async def save_order(
    conn: AsyncConnection,
    domain: str,
    order_id: str,
    *,
    status: str,
    modified_at: datetime,
    outcome: str,
    source: str,
) -> None:
    values = {"status": status, "date_modified": modified_at, "outcome": outcome, "source": source}
    statement = insert(WO).values(domain=domain, order_id=order_id, **values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[WO.c.domain, WO.c.order_id],
            set_={**values, "updated_at": sa.func.now()},
        )
    )


async def first_delivery(
    conn: AsyncConnection, domain: str, delivery_id: str, *, topic: str, order_id: str | None
) -> bool:
    """Record the delivery; False when it was seen before (a redelivery)."""
    result = await conn.execute(
        insert(D)
        .values(domain=domain, delivery_id=delivery_id, topic=topic, order_id=order_id, outcome="")
        .on_conflict_do_nothing()
        .returning(D.c.delivery_id)
    )
    return result.first() is not None


async def finish_delivery(
    conn: AsyncConnection, domain: str, delivery_id: str, outcome: str
) -> None:
    await conn.execute(
        D.update()
        .where(D.c.domain == domain, D.c.delivery_id == delivery_id)
        .values(outcome=outcome)
    )


async def orders(conn: AsyncConnection, domain: str, *, limit: int) -> Sequence[Any]:
    query = sa.select(WO).where(WO.c.domain == domain).order_by(WO.c.updated_at.desc()).limit(limit)
    return (await conn.execute(query)).all()
