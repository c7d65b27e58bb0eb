"""The gateway: forwards each request, byte for byte, to the service that owns its path.

Webhooks pass through unchanged (the raw body is what Shopify signed). ``/openapi.json``
is the union of the services' own documents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from services.gateway.routes import SERVICES, merge_openapi, service_for
from shared.settings import Settings, get_settings

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"}
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    upstream = {svc: settings.service_url(svc) for svc in SERVICES}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=180.0) as client:  # a carrier may retry for minutes
            app.state.client = client
            yield

    app = FastAPI(
        title="Lotline gateway",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        client: httpx.AsyncClient = request.app.state.client
        documents = {}
        for svc, base in upstream.items():
            try:
                answer = await client.get(f"{base}/openapi.json")
                documents[svc] = answer.json()
            except httpx.HTTPError:
                continue
        return JSONResponse(merge_openapi(documents, title="Lotline API"))

    @app.get("/healthz", include_in_schema=False)
    async def healthz(request: Request) -> JSONResponse:
        client: httpx.AsyncClient = request.app.state.client
        status = {}
        for svc, base in upstream.items():
            try:
                status[svc] = (await client.get(f"{base}/openapi.json")).status_code == 200
            except httpx.HTTPError:
                status[svc] = False
        return JSONResponse(status, status_code=200 if all(status.values()) else 503)

    @app.api_route(
        "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )
    async def forward(path: str, request: Request) -> Response:
        svc = service_for("/" + path)
        if svc is None:
            return JSONResponse({"detail": f"no route for /{path}"}, status_code=404)
        client: httpx.AsyncClient = request.app.state.client
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            answer = await client.request(
                request.method,
                f"{upstream[svc]}/{path}",
                params=request.query_params,
                content=await request.body(),
                headers=headers,
            )
        except httpx.HTTPError as error:
            return JSONResponse(
                {"detail": f"{svc} service unavailable: {error!r}"}, status_code=503
            )
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        kept.pop("content-encoding", None)
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    return app
