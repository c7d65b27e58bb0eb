"""Sign-in: lock-out first, then the password; every attempt is counted."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.gateway.access import passwords, users
from services.gateway.access.lockout import Lockout, lockout
from services.gateway.access.tables import sign_in_attempt
from shared.settings import GatewaySettings


@dataclass(frozen=True)
class SignedIn:
    user_id: UUID


@dataclass(frozen=True)
class WrongCredentials:
    """Wrong username or password: one answer for both, so accounts cannot be probed."""


SignInOutcome = SignedIn | WrongCredentials | Lockout


async def _recent_failures(
    engine: AsyncEngine, *, username: str, address: str, since: datetime, limit: int
) -> tuple[list[datetime], list[datetime]]:
    """Failure times, newest first: the account's since its last success, the address's."""
    attempts = sign_in_attempt.c
    async with engine.connect() as conn:
        last_success = await conn.scalar(
            sa.select(sa.func.max(attempts.at)).where(
                sa.func.lower(attempts.username) == username.lower(), attempts.succeeded
            )
        )
        account_since = max(since, last_success) if last_success else since
        account = await conn.scalars(
            sa.select(attempts.at)
            .where(
                sa.func.lower(attempts.username) == username.lower(),
                sa.not_(attempts.succeeded),
                attempts.at > account_since,
            )
            .order_by(attempts.at.desc())
            .limit(limit)
        )
        account_failures = list(account)
        by_address = await conn.scalars(
            sa.select(attempts.at)
            .where(attempts.address == address, sa.not_(attempts.succeeded), attempts.at > since)
            .order_by(attempts.at.desc())
            .limit(limit)
        )
        return account_failures, list(by_address)


async def sign_in(
    engine: AsyncEngine,
    settings: GatewaySettings,
    *,
    username: str,
    password: str,
    address: str,
) -> SignInOutcome:
    now = datetime.now(UTC)
    window = timedelta(minutes=settings.sign_in_window_minutes)
    account_failures, address_failures = await _recent_failures(
        engine,
        username=username,
        address=address,
        since=now - window,
        limit=max(settings.max_failures_per_account, settings.max_failures_per_address),
    )
    locked = lockout(
        account_failures=account_failures,
        address_failures=address_failures,
        now=now,
        window=window,
        account_limit=settings.max_failures_per_account,
        address_limit=settings.max_failures_per_address,
    )
    if locked is not None:
        return locked
    async with engine.connect() as conn:
        found = await users.password_hash_of(conn, username)
    # argon2 is deliberately slow: verify off the event loop, which keeps serving others.
    ok = await asyncio.to_thread(passwords.verify, password, found[1] if found else None)
    async with engine.begin() as conn:
        await conn.execute(
            sign_in_attempt.insert().values(
                username=username[:200], address=address, succeeded=ok and found is not None
            )
        )
    if ok and found is not None:
        return SignedIn(user_id=found[0])
    return WrongCredentials()
