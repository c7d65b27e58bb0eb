"""The gateway: the one HTTP front door — the gate (sign-in, keys, roles, CSRF, audit),
the ops dashboard, the gateway's own API, and the proxy to the services behind it."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount

from services.gateway import admin_api, proxy
from services.gateway.access import api_keys, users
from services.gateway.access.gate import Gate, GateConfig
from services.gateway.access.policy import GATEWAY_RULES, SERVICE_RULES, Policy, Rule
from services.gateway.dashboard import error_pages, pages
from services.gateway.dashboard.live_feed import LiveFeed
from services.gateway.dashboard.templating import STATIC
from services.gateway.dashboard.upstream import Upstream
from services.gateway.routes import SERVICES, merge_openapi, service_for
from services.gateway.upstream_transport import LeanTransport
from shared import body_limit, db, migrations
from shared.http import install_error_handlers, invalid_request
from shared.messaging import with_retries
from shared.observability import checks
from shared.observability.app import observe
from shared.observability.metrics import Metrics
from shared.settings import Settings, get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def page_modules() -> Iterator[ModuleType]:
    """Every screen in ``dashboard/pages``: each brings its ``router`` and ``RULES``."""
    for info in sorted(pkgutil.iter_modules(pages.__path__), key=lambda i: i.name):
        yield importlib.import_module(f"{pages.__name__}.{info.name}")


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the gateway answers itself, for the access-rule test."""
    found: list[tuple[str, str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            nested = getattr(route, "original_router", None)
            if nested is not None:
                walk(nested.routes)
            elif isinstance(route, Mount):
                found.append(("GET", route.path + "/{file:path}"))
            else:
                for method in sorted(getattr(route, "methods", None) or ()):
                    if method != "HEAD":
                        found.append((method, route.path))

    walk(app.router.routes)
    return found


def policy_of(modules: list[ModuleType]) -> Policy:
    page_rules: list[Rule] = [rule for module in modules for rule in module.RULES]
    return Policy((*SERVICE_RULES, *GATEWAY_RULES, *page_rules))


async def prepare_database(settings: Settings) -> None:
    """The gateway owns its database: created and migrated at start (idempotent)."""
    await db.ensure_database(settings.pg, settings.pg.database("gateway"))
    await migrations.upgrade("gateway", MIGRATIONS, settings.pg.url("gateway"))


UPSTREAM_CONNECTIONS = 100


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    upstream_urls = {svc: settings.service_url(svc) for svc in SERVICES}
    engine = db.create_engine(settings.pg.url("gateway"), pool_size=settings.pg.pool_size)
    modules = list(page_modules())
    live = LiveFeed(settings)
    # Each forwarded request is logged once, by the request middleware; httpx's own line
    # per upstream call doubled the gateway's log (and its cost per webhook).
    logging.getLogger("httpx").setLevel(logging.WARNING)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await with_retries(lambda: prepare_database(settings), max_seconds=60)
        # A carrier may retry for minutes; idle connections are dropped before uvicorn's 5 s
        # keep-alive ends, so a page never reuses one the service is closing (ReadError).
        # Up to 100 idle connections per service are kept: with httpx's default of 20, a
        # burst of webhooks closed and reopened a connection per request past the 20th.
        # The transport is the gateway's own (upstream_transport: httpx's pool was most of
        # the gateway's CPU per forwarded webhook).
        transport = LeanTransport(max_idle_per_host=UPSTREAM_CONNECTIONS, keepalive_expiry=2.0)
        async with httpx.AsyncClient(timeout=180.0, transport=transport) as client:
            app.state.client = client
            app.state.upstream = Upstream(client, upstream_urls)
            await live.start()
            try:
                yield
            finally:
                await live.stop()
                await engine.dispose()

    app = FastAPI(
        title="Lotline gateway",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.policy = policy_of(modules)
    app.state.live = live
    gate = GateConfig(app.state.policy, engine, settings.gateway, refusal=error_pages.refusal)
    app.add_middleware(Gate, config=gate)
    # Outermost: an oversized body is refused before sign-in checks or proxying read it.
    body_limit.install(app, settings.requests)
    _install_errors(app)
    app.include_router(admin_api.router)
    for module in modules:
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        client: httpx.AsyncClient = request.app.state.client
        documents: dict[str, dict[str, Any]] = {"gateway": app.openapi()}
        for svc, base in upstream_urls.items():
            try:
                answer = await client.get(f"{base}/openapi.json")
                documents[svc] = answer.json()
            except httpx.HTTPError:
                continue
        return JSONResponse(merge_openapi(documents, title="Lotline API"))

    # Alive, ready (its own database at head and the broker; the services' own
    # readiness is on the status page, so one service down does not take the door away).
    app.state.metrics = Metrics("gateway")
    observe(
        app,
        app.state.metrics,
        [
            checks.database(engine),
            checks.migrations_at_head("gateway", MIGRATIONS, engine),
            checks.kafka(settings.kafka),
        ],
    )

    @app.api_route("/{path:path}", methods=sorted(proxy.FORWARDED_METHODS), include_in_schema=False)
    async def forward(request: Request) -> Response:
        return await proxy.forward(request, upstream_urls)

    # Innermost of the middleware (appended, where add_middleware would put it outermost),
    # just inside the gate: a service's path is forwarded without the router's walk over
    # every route to the catch-all above.
    app.user_middleware.append(
        Middleware(
            proxy.Forwarding,
            upstream=upstream_urls,
            route=app.router.routes[-1],
            own_prefixes=_own_routes_under_services(app),
        )
    )
    return app


def _own_routes_under_services(app: FastAPI) -> list[str]:
    """The literal start of each of the gateway's own routes that lies under a service's
    prefix (none today): such paths are left to the router."""
    prefixes = []
    for _method, template in route_table(app):
        literal = template.split("{", 1)[0]
        if template != "/{path:path}" and service_for(literal) is not None:
            prefixes.append(literal)
    return prefixes


def _install_errors(app: FastAPI) -> None:
    """The same refusals-to-answers mapping as every service (and the same 422 document)."""
    install_error_handlers(
        app,
        not_found=(users.UserNotFound, api_keys.KeyNotFound),
        invalid=(users.UserRefused, api_keys.KeyRefused),
    )

    async def invalid(request: Request, error: RequestValidationError) -> Response:
        """A malformed address of a page (``/orders/not-an-id``) is a page, not JSON."""
        if error_pages.is_page_request(request.url.path, request.headers):
            return error_pages.error_page(request, 422, "; ".join(_field_errors(error)))
        return await invalid_request(request, error)

    async def not_found(request: Request, error: StarletteHTTPException) -> Response:
        if error_pages.is_page_request(request.url.path, request.headers):
            return error_pages.error_page(request, error.status_code, str(error.detail))
        return await http_exception_handler(request, error)

    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, not_found)  # type: ignore[arg-type]


def _field_errors(error: RequestValidationError) -> list[str]:
    """Each wrong part of the address, without the value typed (it may be anything)."""
    return [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in error.errors()]
