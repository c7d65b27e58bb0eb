"""Browser sessions, kept server-side: the cookie holds a random token, the table its
digest, an idle and an absolute expiry, and the CSRF token of the session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.gateway.access import tokens
from services.gateway.access.principal import Principal, Role
from services.gateway.access.tables import session, user
from shared.settings import GatewaySettings

COOKIE = "lotline_session"
# last_seen_at is written at most this often: a page's many requests cost one write.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class NewSession:
    id: UUID
    token: str
    csrf_token: str
    expires_at: datetime


async def open_session(
    engine: AsyncEngine,
    user_id: UUID,
    settings: GatewaySettings,
    *,
    address: str | None,
    user_agent: str | None,
) -> NewSession:
    now = datetime.now(UTC)
    token, csrf = tokens.new_token(), tokens.new_token()
    expires_at = now + timedelta(hours=settings.session_max_hours)
    session_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            session.insert().values(
                id=session_id,
                token_hash=tokens.digest(token),
                user_id=user_id,
                csrf_token=csrf,
                last_seen_at=now,
                expires_at=expires_at,
                address=address,
                user_agent=(user_agent or "")[:300] or None,
            )
        )
    return NewSession(id=session_id, token=token, csrf_token=csrf, expires_at=expires_at)


async def principal_for(
    engine: AsyncEngine, token: str, settings: GatewaySettings
) -> Principal | None:
    """The signed-in user of a live session, or None when the token opens nothing."""
    now = datetime.now(UTC)
    idle_since = now - timedelta(minutes=settings.session_idle_minutes)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(
                    session.c.id,
                    session.c.csrf_token,
                    session.c.last_seen_at,
                    user.c.id.label("user_id"),
                    user.c.username,
                    user.c.display_name,
                    user.c.role,
                    user.c.locale,
                )
                .join(user, user.c.id == session.c.user_id)
                .where(
                    session.c.token_hash == tokens.digest(token),
                    session.c.ended_at.is_(None),
                    session.c.expires_at > now,
                    session.c.last_seen_at > idle_since,
                    user.c.active,
                )
            )
        ).one_or_none()
        if row is None:
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            await conn.execute(
                session.update().where(session.c.id == row.id).values(last_seen_at=now)
            )
            await conn.commit()
    return Principal(
        kind="user",
        id=row.user_id,
        name=row.username,
        level=Role(row.role).level,
        locale=row.locale,
        via_cookie=True,
        session_id=row.id,
        csrf_token=row.csrf_token,
    )


async def end_session(engine: AsyncEngine, session_id: UUID) -> None:
    """Sign-out: the row is ended, so the same cookie opens nothing any more."""
    async with engine.begin() as conn:
        await conn.execute(
            session.update()
            .where(session.c.id == session_id, session.c.ended_at.is_(None))
            .values(ended_at=sa.func.now())
        )
