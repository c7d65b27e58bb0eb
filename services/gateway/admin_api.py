"""The gateway's own JSON API: who am I, users, API keys and the audit trail (admins)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from services.gateway.access import api_keys, audit, users
from services.gateway.access.principal import Principal, Role, Scope
from services.gateway.dashboard.i18n import SUPPORTED

router = APIRouter(prefix="/api", tags=["access"])
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold a NUL byte


def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


def _principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


class Me(BaseModel):
    kind: str
    name: str
    role: str
    locale: str | None
    csrf_token: str | None = Field(
        default=None, description="A browser session's CSRF token (for its scripts' writes)."
    )


class MeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    locale: str | None = Field(default=None, description=f"one of {', '.join(SUPPORTED)}")


class UserOut(BaseModel):
    id: UUID
    username: str
    display_name: str
    role: Role
    locale: str | None
    active: bool
    created_at: str


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)
    role: Role
    display_name: str | None = Field(default=None, max_length=200)
    locale: str | None = None


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    active: bool | None = None
    display_name: str | None = Field(default=None, max_length=200)
    locale: str | None = None
    password: str | None = Field(default=None, min_length=1, max_length=200)


class KeyOut(BaseModel):
    id: UUID
    name: str
    prefix: str
    scope: Scope
    created_by: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    scope: Scope


class NewKeyOut(KeyOut):
    key: str = Field(description="The full key: shown this once, never again.")


class AuditOut(BaseModel):
    id: int
    at: str
    actor_kind: str
    actor_name: str
    method: str
    path: str
    resource_id: str | None
    status: int
    address: str | None


def _locale(value: str | None) -> str | None:
    if value not in (None, "", *SUPPORTED):
        raise users.UserRefused(f"locale must be one of {', '.join(SUPPORTED)}")
    return value or None


@router.get("/me", response_model=Me)
async def me(request: Request) -> dict[str, Any]:
    principal = _principal(request)
    return {
        "kind": principal.kind,
        "name": principal.name,
        "role": principal.role_name,
        "locale": principal.locale,
        "csrf_token": principal.csrf_token,
    }


@router.patch("/me", response_model=Me)
async def change_me(request: Request, body: MeChange) -> dict[str, Any]:
    """A person chooses their own language (a key has none)."""
    principal = _principal(request)
    if principal.kind != "user":
        raise users.UserRefused("only a signed-in person has a language to choose")
    changed = await users.change(_engine(request), principal.id, locale=_locale(body.locale) or "")
    return {
        "kind": "user",
        "name": changed.username,
        "role": changed.role.value,
        "locale": changed.locale,
    }


@router.get("/users", response_model=list[UserOut])
async def list_users(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    return [u.public() for u in await users.listing(_engine(request), limit=limit, offset=offset)]


@router.post("/users", response_model=UserOut, status_code=201)
async def create_user(request: Request, body: UserIn) -> dict[str, Any]:
    created = await users.create(
        _engine(request),
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        locale=_locale(body.locale),
    )
    return created.public()


@router.patch("/users/{user_id}", response_model=UserOut)
async def change_user(request: Request, user_id: UUID, body: UserChange) -> dict[str, Any]:
    changed = await users.change(
        _engine(request),
        user_id,
        role=body.role,
        active=body.active,
        display_name=body.display_name,
        locale=_locale(body.locale) if body.locale is not None else None,
        password=body.password,
    )
    return changed.public()


@router.get("/api-keys", response_model=list[KeyOut])
async def list_keys(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    keys = await api_keys.listing(_engine(request), limit=limit, offset=offset)
    return [k.public() for k in keys]


@router.post("/api-keys", response_model=NewKeyOut, status_code=201)
async def create_key(request: Request, body: KeyIn) -> dict[str, Any]:
    key, secret = await api_keys.create(
        _engine(request), name=body.name, scope=body.scope, created_by=_principal(request).name
    )
    return {**key.public(), "key": secret}


@router.post("/api-keys/{key_id}/revoke", response_model=KeyOut)
async def revoke_key(request: Request, key_id: UUID) -> dict[str, Any]:
    revoked = await api_keys.revoke(_engine(request), key_id, revoked_by=_principal(request).name)
    return revoked.public()


@router.get("/audit", response_model=list[AuditOut])
async def list_audit(
    request: Request,
    actor: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    resource_id: Annotated[str | None, Query(max_length=500, pattern=NO_NUL)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> list[dict[str, Any]]:
    """Newest first; pass the last ``id`` seen as ``before_id`` for the next page."""
    entries = await audit.listing(
        _engine(request), actor=actor, resource_id=resource_id, limit=limit, before_id=before_id
    )
    return [e.public() for e in entries]
