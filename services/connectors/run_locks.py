"""One run at a time across every instance of the connectors: a session advisory lock held
for a whole run (its HTTP calls and its several transactions), so two processes never
reconcile or poll the same shop side by side. A crashed holder's session ends and frees it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@contextlib.asynccontextmanager
async def one_at_a_time(engine: AsyncEngine, name: str, *, wait: bool) -> AsyncIterator[bool]:
    """Within: True when this process holds ``name``'s lock. ``wait``: queue behind the
    holder (an operator's "run now"); else yield False at once when it is taken (a worker's
    turn: the other instance is doing it)."""
    key = sa.func.hashtextextended(f"lotline:run:{name}", 0)
    take = sa.func.pg_advisory_lock(key) if wait else sa.func.pg_try_advisory_lock(key)
    async with engine.connect() as conn:
        held = await conn.scalar(sa.select(take))
        held = wait or bool(held)
        await conn.commit()
        try:
            yield held
        finally:
            if held:
                try:
                    await conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                    await conn.commit()
                except BaseException:
                    await conn.invalidate()  # never back to the pool still holding it
                    raise


@contextlib.asynccontextmanager
async def held_on(conn: AsyncConnection, key: str) -> AsyncIterator[None]:
    """Within: this connection holds ``key``'s session advisory lock, waiting for it. Its
    own transactions run inside (a token refresh marks, asks, then stores the tokens, a
    commit each); whatever is left open is rolled back before the lock is given back."""
    lock = sa.func.hashtextextended(key, 0)
    await conn.execute(sa.select(sa.func.pg_advisory_lock(lock)))
    await conn.commit()
    try:
        yield
    finally:
        if conn.in_transaction():
            await conn.rollback()
        await conn.execute(sa.select(sa.func.pg_advisory_unlock(lock)))
        await conn.commit()
