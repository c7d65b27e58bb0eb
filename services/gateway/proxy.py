"""Forward a request, byte for byte, to the service that owns its path.

Webhooks pass through unchanged (the raw body is what Shopify signed). The caller's own
credentials (cookie, bearer key, CSRF token) stop here: no service ever sees them; instead
the service is told who asked (``x-lotline-actor``, set here from the gate's principal and
never taken from the caller), so it can record who replayed a dead letter.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from services.gateway.access.principal import Principal
from services.gateway.routes import service_for
from shared.http import ACTOR_HEADER, actor_header

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"}
)
CREDENTIALS = frozenset({"authorization", "cookie", "x-csrf-token"})
NOT_FROM_CALLERS = CREDENTIALS | {ACTOR_HEADER}


def actor_headers(request: Request) -> dict[str, str]:
    """Who the gate let in, by the name the audit trail gives them (``sara``, ``key:erp``),
    for the service to record; nothing for a public request."""
    principal = getattr(request.state, "principal", None)
    return actor_header(principal.name) if isinstance(principal, Principal) else {}


def raw_path(request: Request) -> str:
    """The path exactly as the client sent it, still percent-encoded: the service decodes
    it once, as the gate did, so ``%3F`` stays a parameter and never becomes a query."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) and raw else request.url.path


async def forward(request: Request, upstream: dict[str, str]) -> Response:
    path = request.url.path
    svc = service_for(path)
    if svc is None:
        return JSONResponse({"detail": f"no route for {path}"}, status_code=404)
    client: httpx.AsyncClient = request.app.state.client
    headers = {
        k: v
        for k, v in request.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() not in NOT_FROM_CALLERS
    } | actor_headers(request)
    try:
        answer = await client.request(
            request.method,
            f"{upstream[svc]}{raw_path(request)}",
            params=request.query_params,
            content=await request.body(),
            headers=headers,
        )
    except httpx.InvalidURL as error:
        return JSONResponse({"detail": f"this path cannot be forwarded: {error}"}, 400)
    except httpx.HTTPError as error:
        return JSONResponse(
            {"detail": f"{svc} service unavailable ({type(error).__name__})"}, status_code=503
        )
    kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
    kept.pop("content-encoding", None)
    return Response(answer.content, status_code=answer.status_code, headers=kept)


FORWARDED_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


class Forwarding:
    """Forward a service's path straight from inside the gate, without FastAPI's router.

    The gateway answers its own routes (pages, its API) and forwards everything else
    through a catch-all route tried last: every webhook was matched against each of the
    gateway's ~80 routes and run through FastAPI's endpoint machinery first (a sixth of the
    gateway's CPU per forwarded request, profiled). This sits inside the body limit, the
    request log and metrics and the gate (sign-in, roles, CSRF, the audit of every write),
    which all see the request as before; it takes only a path some service owns
    (``routes.service_for``) with a method the catch-all takes, unless one of the gateway's
    own routes lies under that path's prefix (``own_prefixes``: then the router decides).
    ``scope["route"]`` is the catch-all, as the router would have set it, so the request's
    metrics keep their route label."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        upstream: dict[str, str],
        route: BaseRoute,
        own_prefixes: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.upstream = upstream
        self.route = route
        self.own_prefixes = tuple(own_prefixes)

    def takes(self, scope: Scope) -> bool:
        path: str = scope["path"]
        return (
            scope["method"] in FORWARDED_METHODS
            and service_for(path) is not None
            and not path.startswith(self.own_prefixes)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.takes(scope):
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        answer = await forward(Request(scope, receive), self.upstream)
        await answer(scope, receive, send)
