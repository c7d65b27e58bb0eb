"""Admins' screens: people and their roles, API keys (shown once), and the audit trail."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.gateway.access import api_keys, audit, users
from services.gateway.access.policy import Rule, rules
from services.gateway.access.principal import Level, Role, Scope
from services.gateway.dashboard.templating import principal_of, render

router = APIRouter(prefix="/admin")
PAGE = 50

RULES: tuple[Rule, ...] = rules(
    Level.ADMIN,
    "GET /admin",
    "POST /admin/users",
    "POST /admin/users/{user_id}",
    "GET /admin/keys",
    "POST /admin/keys",
    "POST /admin/keys/{key_id}/revoke",
    "GET /admin/audit",
)


async def _people_page(
    request: Request,
    *,
    offset: int = 0,
    error: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    people = await users.listing(request.app.state.engine, limit=PAGE + 1, offset=offset)
    return render(
        request,
        "admin/users.html",
        {
            "people": people[:PAGE],
            "more": len(people) > PAGE,
            "offset": offset,
            "page_size": PAGE,
            "roles": list(Role),
            "error": error,
            "done": done,
        },
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
async def people(
    request: Request, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
) -> HTMLResponse:
    return await _people_page(request, offset=offset)


@router.post("/users", response_class=HTMLResponse)
async def add_person(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()],
    display_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        await users.create(
            request.app.state.engine,
            username=username.replace("\x00", ""),
            password=password,
            role=role,
            display_name=display_name or None,
        )
    except users.UserRefused as refused:
        return await _people_page(request, error=str(refused), status_code=422)
    return RedirectResponse("/admin", status_code=303)


@router.post("/users/{user_id}", response_class=HTMLResponse)
async def change_person(
    request: Request,
    user_id: UUID,
    role: Annotated[Role | None, Form()] = None,
    active: Annotated[str | None, Form(max_length=5)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    try:
        await users.change(
            request.app.state.engine,
            user_id,
            role=role,
            active=None if active is None else active == "true",
            password=password or None,
        )
    except (users.UserRefused, users.UserNotFound) as refused:
        return await _people_page(request, error=str(refused), status_code=422)
    return RedirectResponse("/admin", status_code=303)


async def _keys_page(
    request: Request,
    *,
    new_key: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    keys = await api_keys.listing(request.app.state.engine, limit=200)
    return render(
        request,
        "admin/keys.html",
        {"keys": keys, "scopes": list(Scope), "new_key": new_key, "error": error},
        status_code=status_code,
    )


@router.get("/keys", response_class=HTMLResponse)
async def keys(request: Request) -> HTMLResponse:
    return await _keys_page(request)


@router.post("/keys", response_class=HTMLResponse)
async def add_key(
    request: Request,
    name: Annotated[str, Form(max_length=100)],
    scope: Annotated[Scope, Form()],
) -> HTMLResponse:
    """The new key is in this one answer only (and never cached by the browser)."""
    try:
        _key, secret = await api_keys.create(
            request.app.state.engine,
            name=name.replace("\x00", ""),
            scope=scope,
            created_by=principal_of(request).name,
        )
    except api_keys.KeyRefused as refused:
        return await _keys_page(request, error=str(refused), status_code=422)
    page = await _keys_page(request, new_key=secret, status_code=201)
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post("/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: UUID) -> Response:
    try:
        await api_keys.revoke(
            request.app.state.engine, key_id, revoked_by=principal_of(request).name
        )
    except api_keys.KeyNotFound as missing:
        return await _keys_page(request, error=str(missing), status_code=404)
    return RedirectResponse("/admin/keys", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
async def audit_trail(
    request: Request,
    actor: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    entries = await audit.listing(
        request.app.state.engine, actor=actor or None, limit=PAGE + 1, before_id=before_id
    )
    shown = entries[:PAGE]
    return render(
        request,
        "admin/audit.html",
        {
            "entries": shown,
            "actor": actor or "",
            "next_before": shown[-1].id if len(entries) > PAGE and shown else None,
        },
    )
