"""Queries on the Amazon tables: sellers and their tokens, the orders seen."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors import run_locks
from services.connectors import tables as t

S = t.amazon_seller
O = t.amazon_order  # noqa: E741


async def insert_seller(conn: AsyncConnection, **values: Any) -> bool:
    result = await conn.execute(
        insert(S).values(**values).on_conflict_do_nothing().returning(S.c.seller_id)
    )
    return result.first() is not None


async def seller(conn: AsyncConnection, seller_id: str) -> Any:
    return (await conn.execute(sa.select(S).where(S.c.seller_id == seller_id))).first()


async def seller_by_domain(conn: AsyncConnection, domain: str) -> Any:
    return (await conn.execute(sa.select(S).where(S.c.domain == domain))).first()


async def connected_sellers(conn: AsyncConnection) -> Sequence[Any]:
    """Sellers with a refresh token Amazon has not refused: the ones that can be polled."""
    query = (
        sa.select(S)
        .where(S.c.refresh_token.is_not(None), S.c.revoked_at.is_(None))
        .order_by(S.c.seller_id)
    )
    return (await conn.execute(query)).all()


async def authorise(
    conn: AsyncConnection,
    seller_id: str,
    *,
    lwa_client_id: str,
    lwa_client_secret: str,
    refresh_token: str,
) -> bool:
    """New Login with Amazon credentials: the old access token and any revocation go."""
    result = await conn.execute(
        S.update()
        .where(S.c.seller_id == seller_id)
        .values(
            lwa_client_id=lwa_client_id,
            lwa_client_secret=lwa_client_secret,
            refresh_token=refresh_token,
            access_token=None,
            access_expires_at=None,
            revoked_at=None,
            revoked_reason=None,
        )
        .returning(S.c.seller_id)
    )
    return result.first() is not None


def refresh_lock(conn: AsyncConnection, seller_id: str) -> AbstractAsyncContextManager[None]:
    """The seller's refresh lock: one refresh at a time, across every caller and process;
    a crash ends the session and frees it."""
    return run_locks.held_on(conn, f"amazon-refresh:{seller_id}")


async def save_access_token(
    conn: AsyncConnection, seller_id: str, *, access_token: str, expires_at: datetime
) -> None:
    await conn.execute(
        S.update()
        .where(S.c.seller_id == seller_id)
        .values(
            access_token=access_token,
            access_expires_at=expires_at,
            tokens_updated_at=sa.func.now(),
            refresh_count=S.c.refresh_count + 1,
        )
    )


async def mark_revoked(conn: AsyncConnection, seller_id: str, reason: str) -> None:
    await conn.execute(
        S.update()
        .where(S.c.seller_id == seller_id)
        .values(revoked_at=sa.func.now(), revoked_reason=reason, access_token=None)
    )


async def order(conn: AsyncConnection, seller_id: str, order_id: str) -> Any:
    """The order's row, locked for the transaction. The order's advisory lock comes first:
    a row not there yet locks nothing, and the poller and the notification worker may
    both be about to insert it (the second then sees the first's row, and publishes
    nothing again)."""
    key = sa.func.hashtextextended(f"amazon-order:{seller_id}:{order_id}", 0)
    await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    query = sa.select(O).where(O.c.seller_id == seller_id, O.c.amazon_order_id == order_id)
    return (await conn.execute(query.with_for_update())).first()


async def peek_order(conn: AsyncConnection, seller_id: str, order_id: str) -> Any:
    query = sa.select(O).where(O.c.seller_id == seller_id, O.c.amazon_order_id == order_id)
    return (await conn.execute(query)).first()


async def save_order(
    conn: AsyncConnection,
    *,
    seller_id: str,
    order_id: str,
    status: str,
    fulfillment_channel: str,
    marketplace_id: str | None,
    last_update_date: datetime,
    total: tuple[Decimal, str] | None,
    outcome: str,
    buyer_cancel_reason: str | None,
    problem: str | None = None,
) -> None:
    """Insert, or move on a row the caller holds locked (``order``)."""
    values: dict[str, Any] = {
        "order_status": status,
        "fulfillment_channel": fulfillment_channel,
        "marketplace_id": marketplace_id,
        "last_update_date": last_update_date,
        "total_amount": total[0] if total else None,
        "total_currency": total[1] if total else None,
        "outcome": outcome,
        "buyer_cancel_reason": buyer_cancel_reason,
        "problem": problem,
        "updated_at": sa.func.now(),
    }
    statement = insert(O).values(seller_id=seller_id, amazon_order_id=order_id, **values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[O.c.seller_id, O.c.amazon_order_id], set_=values
        )
    )


async def record_unreadable(
    conn: AsyncConnection, *, seller_id: str, order_id: str, problem: str
) -> None:
    """Keep an order we could not read, with why; one already decided keeps its outcome."""
    statement = insert(O).values(
        seller_id=seller_id,
        amazon_order_id=order_id,
        order_status="?",
        fulfillment_channel="?",
        last_update_date=sa.func.now(),
        outcome="unreadable",
        problem=problem,
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[O.c.seller_id, O.c.amazon_order_id],
            set_={"problem": problem, "updated_at": sa.func.now()},
        )
    )


async def list_orders(
    conn: AsyncConnection, seller_id: str, *, outcome: str | None, limit: int
) -> Sequence[Any]:
    query = sa.select(O).where(O.c.seller_id == seller_id)
    if outcome is not None:
        query = query.where(O.c.outcome == outcome)
    return (await conn.execute(query.order_by(O.c.last_update_date.desc()).limit(limit))).all()


async def fba_sales(conn: AsyncConnection, seller_id: str, *, limit: int) -> Sequence[Any]:
    """The seller's Amazon-fulfilled orders, latest Amazon update first."""
    query = (
        sa.select(O)
        .where(O.c.seller_id == seller_id, O.c.outcome == "fba_sale")
        .order_by(O.c.last_update_date.desc(), O.c.amazon_order_id)
        .limit(limit)
    )
    return (await conn.execute(query)).all()


async def fba_totals(conn: AsyncConnection, seller_id: str) -> Sequence[Any]:
    """Per order status and currency: how many FBA orders, and their ``OrderTotal`` sum."""
    query = (
        sa.select(
            O.c.order_status,
            O.c.total_currency,
            sa.func.count().label("orders"),
            sa.func.sum(O.c.total_amount).label("amount"),
        )
        .where(O.c.seller_id == seller_id, O.c.outcome == "fba_sale")
        .group_by(O.c.order_status, O.c.total_currency)
    )
    return (await conn.execute(query)).all()


async def finish_poll(conn: AsyncConnection, seller_id: str, *, watermark: datetime | None) -> None:
    """The watermark only moves forward; a successful poll clears the last error."""
    values: dict[str, Any] = {"last_polled_at": sa.func.now(), "last_poll_error": None}
    if watermark is not None:
        values["orders_watermark"] = sa.func.greatest(S.c.orders_watermark, watermark)
    await conn.execute(S.update().where(S.c.seller_id == seller_id).values(**values))


async def record_poll_error(conn: AsyncConnection, seller_id: str, error: str) -> None:
    await conn.execute(
        S.update()
        .where(S.c.seller_id == seller_id)
        .values(last_polled_at=sa.func.now(), last_poll_error=error)
    )
