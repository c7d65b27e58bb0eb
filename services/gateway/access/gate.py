"""The gate: every request meets its rule before anything else answers it.

Order of questions: which rule (none → refused), public?, who is asking (no one → 401),
may they (no → 403), a browser write carries the session's CSRF token (no → 403); then
the route runs and every write — allowed or refused — lands in the audit trail.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.access import api_keys, audit, sessions
from services.gateway.access.policy import PUBLIC, UNSAFE_METHODS, Match, Policy
from services.gateway.access.principal import Principal
from shared.http import database_gone, database_unavailable
from shared.settings import GatewaySettings

log = logging.getLogger(__name__)

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Response fields that name what a write created, in the order they are looked for.
RESOURCE_FIELDS = (
    "order_id",
    "production_order_id",
    "shipment_id",
    "recall_id",
    "lot_code",
    "purchase_order_id",
    "id",
    "code",
    "item_code",
)
CAPTURE_LIMIT = 65536


# How a refusal is answered: (request, status, detail) → the answer. The dashboard gives
# one that shows a browser a page in its language; without it every refusal is JSON.
Refusal = Callable[[Request, int, str], Response]


def json_refusal(_request: Request, status: int, detail: str) -> Response:
    return JSONResponse({"detail": detail}, status)


@dataclass(frozen=True)
class GateConfig:
    policy: Policy
    engine: AsyncEngine
    settings: GatewaySettings
    refusal: Refusal = json_refusal


def resource_of(match: Match, body: bytes, content_type: str) -> str | None:
    """What a write acted on: the path's last parameter, else the id its answer names."""
    if match.params:
        return list(match.params.values())[-1]
    if "json" not in content_type or not body:
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    if isinstance(answer, dict):
        for field in RESOURCE_FIELDS:
            if answer.get(field) not in (None, ""):
                return str(answer[field])
    return None


def wants_page(headers: Headers) -> bool:
    return "text/html" in headers.get("accept", "") and headers.get("hx-request") != "true"


class Gate:
    def __init__(self, app: ASGIApp, config: GateConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        match = self.config.policy.match(method, path)
        if match is not None and match.rule.need == PUBLIC:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            principal, problem = await self._authenticate(request)
        except Exception as error:  # outside FastAPI's handlers: answer it here
            if not database_gone(error):
                raise
            await (await database_unavailable(request, error))(scope, receive, send)
            return
        if principal is None:
            await self._unauthenticated(request, problem)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        if match is None:
            answer = self.config.refusal(request, 404, f"no route for {path}")
            await answer(scope, receive, send)
            return
        need = match.rule.need
        unsafe = method in UNSAFE_METHODS
        address = scope["client"][0] if scope.get("client") else None
        actor = audit.Actor.of(principal)
        if need != PUBLIC and not principal.can(need):
            detail = (
                f"{principal.role_name} may not {method} {path}: it needs "
                f"{need.name.lower()} access"
            )
            if unsafe:
                await self._audit(actor, method, path, 403, match, address, b"", "")
            await self.config.refusal(request, 403, detail)(scope, receive, send)
            return
        if unsafe and principal.via_cookie:
            receive, presented = await self._csrf_token(request, scope, receive)
            expected = principal.csrf_token or ""
            if not presented or not hmac.compare_digest(presented, expected):
                await self._audit(actor, method, path, 403, match, address, b"", "")
                detail = "CSRF token missing or wrong: reload the page"
                await self.config.refusal(request, 403, detail)(scope, receive, send)
                return
        if not unsafe:
            await self.app(scope, receive, send)
            return
        captured = _Capture(send)
        try:
            await self.app(scope, receive, captured.send)
        finally:
            await self._audit(
                actor,
                method,
                path,
                captured.status or 500,
                match,
                address,
                captured.body,
                captured.content_type,
            )

    async def _authenticate(self, request: Request) -> tuple[Principal | None, str]:
        settings = self.config.settings
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, credential = authorization.partition(" ")
            if scheme.lower() != "bearer" or not credential.strip():
                return None, "the Authorization header must be 'Bearer <API key>'"
            principal = await api_keys.principal_for(
                self.config.engine,
                credential.strip(),
                touch_every=timedelta(seconds=settings.api_key_touch_seconds),
            )
            return principal, "" if principal else "unknown or revoked API key"
        token = request.cookies.get(sessions.COOKIE)
        if token:
            principal = await sessions.principal_for(self.config.engine, token, settings)
            return principal, "" if principal else "your session has ended: sign in again"
        return None, "sign in, or send an API key as 'Authorization: Bearer <key>'"

    def _unauthenticated(self, request: Request, problem: str) -> Response:
        if request.method == "GET" and wants_page(request.headers):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        answer = JSONResponse({"detail": problem}, 401, headers={"WWW-Authenticate": "Bearer"})
        if request.headers.get("hx-request") == "true":
            answer.headers["HX-Redirect"] = "/login"
        return answer

    async def _csrf_token(
        self, request: Request, scope: Scope, receive: Receive
    ) -> tuple[Receive, str | None]:
        """The token from the header, else from the form (the body is replayed to the route)."""
        header = request.headers.get(CSRF_HEADER)
        if header:
            return receive, header
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith(FORM_TYPES):
            return receive, None
        body = await request.body()
        replay = _replaying(body, receive)
        form = await Request(scope, _replaying(body, receive)).form()
        value = form.get(CSRF_FIELD)
        return replay, value if isinstance(value, str) else None

    async def _audit(
        self,
        actor: audit.Actor,
        method: str,
        path: str,
        status: int,
        match: Match,
        address: str | None,
        body: bytes,
        content_type: str,
    ) -> None:
        try:
            await audit.record(
                self.config.engine,
                actor,
                method=method,
                path=path,
                status=status,
                resource_id=resource_of(match, body, content_type),
                address=address,
            )
        except Exception:
            log.exception("could not write the audit row of %s %s", method, path)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body again, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _Capture:
    """Passes the answer through, keeping its status and (small, JSON) body for the audit."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None
        self.content_type = ""
        self.body = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            headers = Headers(raw=message.get("headers", []))
            self.content_type = headers.get("content-type", "")
        elif (
            message["type"] == "http.response.body"
            and "json" in self.content_type
            and len(self.body) < CAPTURE_LIMIT
        ):
            self.body += message.get("body", b"")[: CAPTURE_LIMIT - len(self.body)]
        await self._send(message)
