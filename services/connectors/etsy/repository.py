"""Queries on the Etsy tables: shops and their tokens, OAuth states, receipts seen, and
the app's daily call budget."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors import run_locks
from services.connectors import tables as t

S = t.etsy_shop
R = t.etsy_receipt


async def insert_shop(
    conn: AsyncConnection, *, shop_id: str, domain: str, poll_on_webhook: bool
) -> bool:
    result = await conn.execute(
        insert(S)
        .values(shop_id=shop_id, domain=domain, poll_on_webhook=poll_on_webhook)
        .on_conflict_do_nothing()
        .returning(S.c.shop_id)
    )
    return result.first() is not None


async def shop(conn: AsyncConnection, shop_id: str) -> Any:
    return (await conn.execute(sa.select(S).where(S.c.shop_id == shop_id))).first()


async def shop_by_domain(conn: AsyncConnection, domain: str) -> Any:
    return (await conn.execute(sa.select(S).where(S.c.domain == domain))).first()


async def connected_shops(conn: AsyncConnection) -> Sequence[Any]:
    """Shops with a refresh token: the ones that can be polled."""
    query = sa.select(S).where(S.c.refresh_token.is_not(None)).order_by(S.c.shop_id)
    return (await conn.execute(query)).all()


def refresh_lock(conn: AsyncConnection, shop_id: str) -> AbstractAsyncContextManager[None]:
    """The shop's refresh lock: whoever holds it is the only one spending its refresh token,
    across the mark's commit, Etsy's answer and the tokens' commit; a crash frees it."""
    return run_locks.held_on(conn, f"etsy-refresh:{shop_id}")


async def save_tokens(
    conn: AsyncConnection,
    shop_id: str,
    *,
    access_token: str,
    expires_at: datetime,
    refresh_token: str,
) -> None:
    """Access and refresh token replaced together: never one without the other."""
    await conn.execute(
        S.update()
        .where(S.c.shop_id == shop_id)
        .values(
            access_token=access_token,
            access_expires_at=expires_at,
            refresh_token=refresh_token,
            tokens_updated_at=sa.func.now(),
            refresh_count=S.c.refresh_count + 1,
        )
    )
    await refresh_settled(conn, shop_id)  # whatever refresh was in flight is moot now


async def refresh_settled(conn: AsyncConnection, shop_id: str) -> None:
    """No refresh of the shop is in doubt any more."""
    F = t.etsy_token_refresh
    await conn.execute(F.delete().where(F.c.shop_id == shop_id))


async def refresh_started(conn: AsyncConnection, shop_id: str) -> None:
    """Mark a refresh as asked of Etsy (committed before the call, under the refresh lock)."""
    F = t.etsy_token_refresh
    statement = insert(F).values(shop_id=shop_id, started_at=sa.func.now())
    await conn.execute(
        statement.on_conflict_do_nothing(index_elements=[F.c.shop_id])
    )  # an older mark stays: its answer is still the one that may be lost


async def refresh_in_doubt(conn: AsyncConnection, shop_id: str) -> datetime | None:
    """When a refresh whose new tokens were never stored was asked of Etsy, if one was."""
    F = t.etsy_token_refresh
    found = await conn.execute(sa.select(F.c.started_at).where(F.c.shop_id == shop_id))
    started: datetime | None = found.scalar_one_or_none()
    return started


async def save_oauth_state(
    conn: AsyncConnection, *, state: str, shop_id: str, verifier: str, redirect_uri: str
) -> None:
    await conn.execute(
        insert(t.etsy_oauth_state).values(
            state=state, shop_id=shop_id, code_verifier=verifier, redirect_uri=redirect_uri
        )
    )


async def take_oauth_state(conn: AsyncConnection, state: str, *, ttl_seconds: float) -> Any:
    """The pending authorization for ``state``, consumed: a state works once, and not
    after it expired. None when unknown, used or expired."""
    pending = t.etsy_oauth_state
    age = (sa.func.now() - pending.c.created_at).label("age")
    result = await conn.execute(
        pending.delete().where(pending.c.state == state).returning(*pending.c, age)
    )
    row = result.first()
    if row is None or row.age > timedelta(seconds=ttl_seconds):
        return None
    return row


async def receipt(conn: AsyncConnection, shop_id: str, receipt_id: str) -> Any:
    query = sa.select(R).where(R.c.shop_id == shop_id, R.c.receipt_id == receipt_id)
    return (await conn.execute(query.with_for_update())).first()


async def list_receipts(
    conn: AsyncConnection, shop_id: str, *, outcome: str | None, limit: int
) -> Sequence[Any]:
    query = sa.select(R).where(R.c.shop_id == shop_id)
    if outcome is not None:
        query = query.where(R.c.outcome == outcome)
    return (await conn.execute(query.order_by(R.c.updated_at.desc()).limit(limit))).all()


async def insert_receipt(
    conn: AsyncConnection, *, shop_id: str, receipt_id: str, status: str, updated: int, outcome: str
) -> bool:
    """False when another poll recorded the receipt first."""
    result = await conn.execute(
        insert(R)
        .values(
            shop_id=shop_id,
            receipt_id=receipt_id,
            status=status,
            etsy_updated_at=updated,
            outcome=outcome,
        )
        .on_conflict_do_nothing()
        .returning(R.c.receipt_id)
    )
    return result.first() is not None


async def record_unreadable(
    conn: AsyncConnection, *, shop_id: str, receipt_id: str, status: str, updated: int, problem: str
) -> None:
    """Keep a receipt we could not read, with why; a published one stays published."""
    statement = insert(R).values(
        shop_id=shop_id,
        receipt_id=receipt_id,
        status=status,
        etsy_updated_at=updated,
        outcome="unreadable",
        problem=problem,
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[R.c.shop_id, R.c.receipt_id],
            set_={"problem": problem, "updated_at": sa.func.now()},
            where=R.c.outcome != "published",
        )
    )


async def update_receipt(
    conn: AsyncConnection,
    *,
    shop_id: str,
    receipt_id: str,
    status: str,
    updated: int,
    outcome: str,
    from_outcome: str,
) -> bool:
    """Move a receipt on only from the outcome the caller saw (rival polls serialise)."""
    result = await conn.execute(
        R.update()
        .where(R.c.shop_id == shop_id, R.c.receipt_id == receipt_id, R.c.outcome == from_outcome)
        .values(
            status=status,
            etsy_updated_at=sa.func.greatest(R.c.etsy_updated_at, updated),
            outcome=outcome,
            problem=None,
            updated_at=sa.func.now(),
        )
        .returning(R.c.receipt_id)
    )
    return result.first() is not None


async def finish_poll(conn: AsyncConnection, shop_id: str, *, watermark: int | None) -> None:
    """The watermark only moves forward; a successful poll clears the last error."""
    values: dict[str, Any] = {"last_polled_at": sa.func.now(), "last_poll_error": None}
    if watermark is not None:
        values["receipts_watermark"] = sa.func.greatest(
            sa.func.coalesce(S.c.receipts_watermark, 0), watermark
        )
    await conn.execute(S.update().where(S.c.shop_id == shop_id).values(**values))


async def record_poll_error(conn: AsyncConnection, shop_id: str, error: str) -> None:
    await conn.execute(
        S.update()
        .where(S.c.shop_id == shop_id)
        .values(last_polled_at=sa.func.now(), last_poll_error=error)
    )


async def spend_daily_call(conn: AsyncConnection, *, keystring: str, day: date, limit: int) -> bool:
    """Count one call against the app's day; False (nothing counted) once ``limit`` is spent."""
    U = t.etsy_api_usage
    statement = insert(U).values(keystring=keystring, day=day, calls=1)
    result = await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[U.c.keystring, U.c.day],
            set_={"calls": U.c.calls + 1},
            where=U.c.calls < limit,
        ).returning(U.c.calls)
    )
    return result.first() is not None


async def calls_on(conn: AsyncConnection, *, keystring: str, day: date) -> int:
    U = t.etsy_api_usage
    value = await conn.scalar(
        sa.select(U.c.calls).where(U.c.keystring == keystring, U.c.day == day)
    )
    return int(value or 0)
