"""API keys for machines: created by an admin, shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.gateway.access import tokens
from services.gateway.access.principal import Principal, Scope
from services.gateway.access.tables import api_key


class KeyNotFound(LookupError):
    pass


class KeyRefused(ValueError):
    pass


@dataclass(frozen=True)
class ApiKey:
    id: UUID
    name: str
    prefix: str
    scope: Scope
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def public(self) -> dict[str, Any]:
        """What anyone is ever shown again of a key: its name and prefix, not its secret."""
        return {
            "id": str(self.id),
            "name": self.name,
            "prefix": f"llk_{self.prefix}_…",
            "scope": self.scope.value,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scope=Scope(row.scope),
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


async def create(
    engine: AsyncEngine, *, name: str, scope: Scope, created_by: str
) -> tuple[ApiKey, str]:
    """The stored key and the full secret, which the caller shows once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise KeyRefused("a key needs a name of 1 to 100 characters")
    new = tokens.new_api_key()
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                api_key.insert()
                .values(
                    id=uuid.uuid4(),
                    name=name,
                    prefix=new.prefix,
                    secret_hash=new.secret_hash,
                    scope=scope.value,
                    created_by=created_by,
                )
                .returning(api_key)
            )
        ).one()
    return _key(row), new.full


async def listing(engine: AsyncEngine, *, limit: int = 50, offset: int = 0) -> list[ApiKey]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(api_key)
            .order_by(api_key.c.revoked_at.is_not(None), api_key.c.created_at.desc())
            .limit(limit)
            .offset(offset)
        )
        return [_key(r) for r in rows]


async def revoke(engine: AsyncEngine, key_id: UUID, *, revoked_by: str) -> ApiKey:
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                api_key.update()
                .where(api_key.c.id == key_id)
                .values(
                    revoked_at=sa.func.coalesce(api_key.c.revoked_at, sa.func.now()),
                    revoked_by=sa.func.coalesce(api_key.c.revoked_by, revoked_by),
                )
                .returning(api_key)
            )
        ).one_or_none()
    if row is None:
        raise KeyNotFound(f"no API key {key_id}")
    return _key(row)


async def principal_for(
    engine: AsyncEngine, presented: str, *, touch_every: timedelta
) -> Principal | None:
    """The key's principal when it is well formed, known, matching and not revoked."""
    prefix = tokens.api_key_prefix(presented)
    if prefix is None:
        return None
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        row = (
            await conn.execute(sa.select(api_key).where(api_key.c.prefix == prefix))
        ).one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        if not tokens.same(presented, row.secret_hash):
            return None
        if row.last_used_at is None or now - row.last_used_at > touch_every:
            await conn.execute(
                api_key.update().where(api_key.c.id == row.id).values(last_used_at=now)
            )
            await conn.commit()
    return Principal(
        kind="api_key", id=row.id, name=f"key:{row.name}", level=Scope(row.scope).level
    )
