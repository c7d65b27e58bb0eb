"""Forward a request, byte for byte, to the service that owns its path.

Webhooks pass through unchanged (the raw body is what Shopify signed). The caller's own
credentials (cookie, bearer key, CSRF token) stop here: no service ever sees them; instead
the service is told who asked (``x-lotline-actor``, set here from the gate's principal and
never taken from the caller), so it can record who replayed a dead letter.
"""

from __future__ import annotations

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse

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
