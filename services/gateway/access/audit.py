"""The audit trail: who wrote what, when, and how it ended. Append-only (a trigger in the
database refuses UPDATE, DELETE and TRUNCATE), browsable by admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.gateway.access.principal import Principal
from services.gateway.access.tables import audit


@dataclass(frozen=True)
class Actor:
    """Who acted: a principal, or a name given at sign-in (who is not signed in yet)."""

    kind: str
    name: str
    id: UUID | None = None

    @staticmethod
    def of(principal: Principal) -> Actor:
        return Actor(kind=principal.kind, name=principal.name, id=principal.id)


async def record(
    engine: AsyncEngine,
    actor: Actor,
    *,
    method: str,
    path: str,
    status: int,
    resource_id: str | None = None,
    address: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            audit.insert().values(
                actor_kind=actor.kind,
                actor_id=actor.id,
                actor_name=actor.name,
                method=method,
                path=path[:2000],
                resource_id=resource_id[:500] if resource_id else None,
                status=status,
                address=address,
                detail=detail,
            )
        )


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_kind: str
    actor_name: str
    method: str
    path: str
    resource_id: str | None
    status: int
    address: str | None

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor_kind": self.actor_kind,
            "actor_name": self.actor_name,
            "method": self.method,
            "path": self.path,
            "resource_id": self.resource_id,
            "status": self.status,
            "address": self.address,
        }


async def listing(
    engine: AsyncEngine,
    *,
    actor: str | None = None,
    resource_id: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[AuditEntry]:
    """Newest first; ``before_id`` pages back without OFFSET scans on a growing table."""
    query = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
    if actor:
        query = query.where(audit.c.actor_name == actor)
    if resource_id:
        query = query.where(audit.c.resource_id == resource_id)
    if before_id is not None:
        query = query.where(audit.c.id < before_id)
    async with engine.connect() as conn:
        rows = await conn.execute(query)
        return [
            AuditEntry(
                id=r.id,
                at=r.at,
                actor_kind=r.actor_kind,
                actor_name=r.actor_name,
                method=r.method,
                path=r.path,
                resource_id=r.resource_id,
                status=r.status,
                address=r.address,
            )
            for r in rows
        ]
