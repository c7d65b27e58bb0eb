"""People who sign in: created by an admin (or the first run), with a role and a language."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.gateway.access import passwords
from services.gateway.access.principal import Role
from services.gateway.access.tables import session, user


class UserRefused(ValueError):
    """A user that cannot be created or changed as asked (clear 422/409 message)."""


class UserNotFound(LookupError):
    pass


@dataclass(frozen=True)
class User:
    id: UUID
    username: str
    display_name: str
    role: Role
    locale: str | None
    active: bool
    created_at: datetime

    def public(self) -> dict[str, Any]:
        """What the API shows of a user: never the password hash."""
        return {
            "id": str(self.id),
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role.value,
            "locale": self.locale,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
        }


def _user(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        locale=row.locale,
        active=row.active,
        created_at=row.created_at,
    )


async def create(
    engine: AsyncEngine,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    locale: str | None = None,
) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise UserRefused("a username is 1 to 64 characters without spaces")
    problem = passwords.weakness(password, username=username)
    if problem:
        raise UserRefused(problem)
    password_hash = await asyncio.to_thread(passwords.hash_password, password)
    async with engine.begin() as conn:
        taken = await conn.scalar(
            sa.select(user.c.id).where(sa.func.lower(user.c.username) == username.lower())
        )
        if taken is not None:
            raise UserRefused(f"a user named {username!r} already exists")
        row = (
            await conn.execute(
                user.insert()
                .values(
                    id=uuid.uuid4(),
                    username=username,
                    display_name=(display_name or username).strip(),
                    role=role.value,
                    password_hash=password_hash,
                    locale=locale,
                    password_changed_at=datetime.now(UTC),
                )
                .returning(user)
            )
        ).one()
    return _user(row)


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(user)) or 0)


async def listing(engine: AsyncEngine, *, limit: int = 50, offset: int = 0) -> list[User]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(user).order_by(sa.func.lower(user.c.username)).limit(limit).offset(offset)
        )
        return [_user(r) for r in rows]


async def get(engine: AsyncEngine, user_id: UUID) -> User:
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(user).where(user.c.id == user_id))).one_or_none()
    if row is None:
        raise UserNotFound(f"no user {user_id}")
    return _user(row)


async def find(engine: AsyncEngine, username: str) -> User | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(user).where(sa.func.lower(user.c.username) == username.lower())
            )
        ).one_or_none()
    return _user(row) if row is not None else None


async def password_hash_of(conn: AsyncConnection, username: str) -> tuple[UUID, str] | None:
    """The id and hash of an active user, for sign-in."""
    row = (
        await conn.execute(
            sa.select(user.c.id, user.c.password_hash).where(
                sa.func.lower(user.c.username) == username.lower(), user.c.active
            )
        )
    ).one_or_none()
    return (row.id, row.password_hash) if row is not None else None


async def change(
    engine: AsyncEngine,
    user_id: UUID,
    *,
    role: Role | None = None,
    active: bool | None = None,
    display_name: str | None = None,
    locale: str | None = None,
    password: str | None = None,
) -> User:
    """Change a user; deactivating one or changing their password ends their sessions."""
    async with engine.begin() as conn:
        current = (
            await conn.execute(sa.select(user).where(user.c.id == user_id).with_for_update())
        ).one_or_none()
        if current is None:
            raise UserNotFound(f"no user {user_id}")
        values: dict[str, Any] = {}
        if role is not None:
            values["role"] = role.value
        if active is not None:
            values["active"] = active
        if display_name is not None:
            values["display_name"] = display_name.strip() or current.username
        if locale is not None:
            values["locale"] = locale or None
        if password is not None:
            problem = passwords.weakness(password, username=current.username)
            if problem:
                raise UserRefused(problem)
            values["password_hash"] = await asyncio.to_thread(passwords.hash_password, password)
            values["password_changed_at"] = datetime.now(UTC)
        if role is not None or active is False:
            await _keep_an_admin(conn, user_id, role=role, active=active)
        if values:
            await conn.execute(user.update().where(user.c.id == user_id).values(**values))
        if active is False or password is not None or role is not None:
            await conn.execute(
                session.update()
                .where(session.c.user_id == user_id, session.c.ended_at.is_(None))
                .values(ended_at=sa.func.now())
            )
        row = (await conn.execute(sa.select(user).where(user.c.id == user_id))).one()
    return _user(row)


async def _keep_an_admin(
    conn: AsyncConnection, user_id: UUID, *, role: Role | None, active: bool | None
) -> None:
    """Refuse the change that would leave Lotline with no active admin."""
    stays_admin = (role is None or role is Role.ADMIN) and active is not False
    if stays_admin:
        return
    others = await conn.scalar(
        sa.select(sa.func.count())
        .select_from(user)
        .where(user.c.role == Role.ADMIN.value, user.c.active, user.c.id != user_id)
    )
    if not others:
        raise UserRefused("this is the last active admin; make another admin first")
