"""The token store: each shop's hour-long access token, refreshed before it expires, and its
rotating refresh token, which Etsy accepts exactly once.

Refreshing takes the shop's refresh lock (a session advisory lock, held across the two
transactions below) and keeps it while Etsy answers: a rival worker queues on the lock, then
finds a fresh token and uses it instead of spending the old refresh token a second time
(which Etsy would refuse, leaving the shop disconnected). The new access and refresh tokens
are committed together.

The one window no lock closes: Etsy rotated the token but its answer never reached our
commit (a crash, a timeout). The new refresh token exists only in that answer, so it cannot
be stored earlier; instead a mark is committed before Etsy is asked and deleted with the new
tokens. A refresh that finds a mark and is refused by Etsy says exactly that, and that the
shop must be connected again (the mark goes when it is), rather than a bare ``invalid_grant``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.channels.port import Refused
from services.connectors.etsy import repository
from services.connectors.etsy.client import EtsyApi, InvalidGrant, InvalidToken

T = TypeVar("T")


def refused_message(shop_id: str, in_doubt: datetime | None, error: Exception) -> str:
    """What the operator reads when Etsy will not take the shop's refresh token."""
    reconnect = f"connect the shop again (POST /api/etsy/shops/{shop_id}/connect)"
    if in_doubt is not None:
        return (
            f"Etsy shop {shop_id}: a token refresh asked of Etsy at {in_doubt:%Y-%m-%d %H:%M:%S} "
            f"UTC was cut off before its new token was stored (a crash or a lost answer), and "
            f"Etsy no longer accepts the old one: {reconnect}"
        )
    return f"Etsy shop {shop_id}: Etsy refused the refresh token ({error}); {reconnect}"


def is_fresh(row: Any, *, margin_seconds: float, now: datetime) -> bool:
    """An access token still good for more than ``margin_seconds``."""
    return bool(
        row.access_token
        and row.access_expires_at is not None
        and row.access_expires_at - timedelta(seconds=margin_seconds) > now
    )


async def access_token(
    engine: AsyncEngine, api: EtsyApi, shop_id: str, *, margin_seconds: float
) -> str:
    """A usable access token for the shop, refreshed first when it is about to expire."""
    async with engine.connect() as conn:
        row = await repository.shop(conn, shop_id)
    if row is None:
        raise Refused(f"unknown Etsy shop {shop_id}")
    if is_fresh(row, margin_seconds=margin_seconds, now=datetime.now(UTC)):
        return str(row.access_token)
    return await refresh(engine, api, shop_id, margin_seconds=margin_seconds)


async def with_token(
    engine: AsyncEngine,
    api: EtsyApi,
    shop_id: str,
    call: Callable[[str], Awaitable[T]],
    *,
    margin_seconds: float,
) -> T:
    """``call`` with the shop's access token. A token Etsy refuses before its time (revoked,
    or our clocks apart) is refreshed once and the call repeated."""
    token = await access_token(engine, api, shop_id, margin_seconds=margin_seconds)
    try:
        return await call(token)
    except InvalidToken:
        token = await refresh(engine, api, shop_id, margin_seconds=margin_seconds, stale=token)
        return await call(token)


async def refresh(
    engine: AsyncEngine,
    api: EtsyApi,
    shop_id: str,
    *,
    margin_seconds: float,
    stale: str | None = None,
) -> str:
    """Spend the refresh token once, under the shop's refresh lock. ``stale``: a token Etsy
    refused, never taken as fresh."""
    async with engine.connect() as conn, repository.refresh_lock(conn, shop_id):
        async with conn.begin():
            row = await repository.shop(conn, shop_id)
            if row is None:
                raise Refused(f"unknown Etsy shop {shop_id}")
            if row.access_token != stale and is_fresh(
                row, margin_seconds=margin_seconds, now=datetime.now(UTC)
            ):
                return str(row.access_token)  # a rival refreshed while we waited for the lock
            if not row.refresh_token:
                raise Refused(
                    f"Etsy shop {shop_id} is not connected (POST /api/etsy/shops/{shop_id}/connect)"
                )
            in_doubt = await repository.refresh_in_doubt(conn, shop_id)
            await repository.refresh_started(conn, shop_id)  # committed before Etsy is asked
        try:
            grant = await api.refresh(str(row.refresh_token))
        except Refused as error:  # Etsy answered, and rotated nothing
            if in_doubt is None:
                async with conn.begin():
                    await repository.refresh_settled(conn, shop_id)
            if isinstance(error, InvalidGrant):
                raise Refused(refused_message(shop_id, in_doubt, error)) from error
            raise
        async with conn.begin():
            await repository.save_tokens(
                conn,
                shop_id,
                access_token=grant.access_token,
                expires_at=grant.expires_at,
                refresh_token=grant.refresh_token,
            )
    return grant.access_token
