"""Each seller's hour-long Login with Amazon access token, refreshed before it expires.

Refreshing takes the seller's refresh lock (a session advisory lock held while Login with
Amazon answers): concurrent callers — the poller, an operator's poll, several tasks of one
run — queue on it, and all but the first find a fresh token and use it. Amazon's refresh
token does not rotate, so unlike Etsy's there is no answer whose loss would disconnect the
seller (no in-flight mark, migration 0012, is needed). ``invalid_grant`` (the seller
revoked the app, or the token expired) marks the seller revoked with a message the
operator reads on the seller, and the seller is not polled until authorised again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.amazon import repository
from services.connectors.amazon.client import InvalidGrant, InvalidToken, SpApi
from services.connectors.channels.port import Refused

T = TypeVar("T")


def revoked_message(seller_id: str, error: Exception) -> str:
    """What the operator reads when Login with Amazon refuses the seller's refresh token."""
    return (
        f"Amazon seller {seller_id}: Login with Amazon refused the refresh token ({error}); "
        f"the seller must authorise the app again and its new refresh token be stored "
        f"(PUT /api/amazon/sellers/{seller_id}/authorisation)"
    )


def is_fresh(row: Any, *, margin_seconds: float, now: datetime) -> bool:
    """An access token still good for more than ``margin_seconds``."""
    return bool(
        row.access_token
        and row.access_expires_at is not None
        and row.access_expires_at - timedelta(seconds=margin_seconds) > now
    )


def _usable(row: Any, seller_id: str) -> Any:
    if row is None:
        raise Refused(f"unknown Amazon seller {seller_id}")
    if row.revoked_at is not None:
        raise Refused(row.revoked_reason or f"Amazon seller {seller_id} is not authorised")
    if not row.refresh_token:
        raise Refused(f"Amazon seller {seller_id} has no refresh token")
    return row


async def access_token(
    engine: AsyncEngine, api: SpApi, seller_id: str, *, margin_seconds: float
) -> str:
    """A usable access token for the seller, refreshed first when it is about to expire."""
    async with engine.connect() as conn:
        row = _usable(await repository.seller(conn, seller_id), seller_id)
    if is_fresh(row, margin_seconds=margin_seconds, now=datetime.now(UTC)):
        return str(row.access_token)
    return await refresh(engine, api, seller_id, margin_seconds=margin_seconds)


async def with_token(
    engine: AsyncEngine,
    api: SpApi,
    seller_id: str,
    call: Callable[[str], Awaitable[T]],
    *,
    margin_seconds: float,
) -> T:
    """``call`` with the seller's access token. A token Amazon refuses before its time is
    refreshed once and the call repeated."""
    token = await access_token(engine, api, seller_id, margin_seconds=margin_seconds)
    try:
        return await call(token)
    except InvalidToken:
        token = await refresh(engine, api, seller_id, margin_seconds=margin_seconds, stale=token)
        return await call(token)


async def refresh(
    engine: AsyncEngine,
    api: SpApi,
    seller_id: str,
    *,
    margin_seconds: float,
    stale: str | None = None,
) -> str:
    """Ask Login with Amazon for a new access token, under the seller's refresh lock.
    ``stale``: a token Amazon refused, never taken as fresh."""
    async with engine.connect() as conn, repository.refresh_lock(conn, seller_id):
        async with conn.begin():
            row = _usable(await repository.seller(conn, seller_id), seller_id)
        if row.access_token != stale and is_fresh(
            row, margin_seconds=margin_seconds, now=datetime.now(UTC)
        ):
            return str(row.access_token)  # a rival refreshed while we waited for the lock
        try:
            grant = await api.refresh(
                client_id=row.lwa_client_id,
                client_secret=row.lwa_client_secret,
                refresh_token=row.refresh_token,
            )
        except InvalidGrant as error:
            message = revoked_message(seller_id, error)
            async with conn.begin():
                await repository.mark_revoked(conn, seller_id, message)
            raise Refused(message) from error
        async with conn.begin():
            await repository.save_access_token(
                conn, seller_id, access_token=grant.access_token, expires_at=grant.expires_at
            )
    return grant.access_token
