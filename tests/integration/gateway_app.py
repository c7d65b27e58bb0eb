"""The gateway in-process over its real database, with the services behind it absent:
the gate answers before anything is forwarded, and a forwarded call gets a quick 503."""

from __future__ import annotations

import asyncio
import importlib
import re
import uuid
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from services.gateway.access import api_keys, users
from services.gateway.access.principal import Role, Scope
from services.gateway.main import create_app, route_table
from services.gateway.routes import SERVICES
from shared.settings import GatewaySettings, Settings

PARAM = re.compile(r"\{(\w+)(:path)?\}")


def gateway_settings(settings: Settings, **gateway: Any) -> Settings:
    closed = {name: 1 for name in SERVICES}  # port 1: nothing listens, connect fails at once
    return settings.model_copy(
        update={
            "ports": settings.ports.model_copy(update=closed),
            "gateway": GatewaySettings(api_key_touch_seconds=0, **gateway),
        }
    )


@asynccontextmanager
async def running_gateway(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """httpx's ASGITransport waits for the whole body before it answers; this one answers
    when the app starts its response and streams the body after, so a test can read the
    status of a stream that never ends (the live feed's server-sent events). Closing the
    response tells the app the client went away, and waits for it to finish."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for (k, v) in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": ("127.0.0.1", 123),
            "root_path": "",
        }
        body = request.stream.__aiter__()
        request_complete = False
        gone = asyncio.Event()
        started: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]] = (
            asyncio.get_running_loop().create_future()
        )
        parts: asyncio.Queue[bytes | None] = asyncio.Queue()

        async def receive() -> dict[str, Any]:
            nonlocal request_complete
            if request_complete:
                await gone.wait()
                return {"type": "http.disconnect"}
            try:
                chunk = await body.__anext__()
            except StopAsyncIteration:
                request_complete = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.set_result((message["status"], message.get("headers", [])))
            elif message["type"] == "http.response.body":
                if chunk := message.get("body", b""):
                    parts.put_nowait(chunk)
                if not message.get("more_body", False):
                    parts.put_nowait(None)

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception:  # as ASGITransport(raise_app_exceptions=False): a 500
                pass
            finally:
                if not started.done():
                    started.set_result((500, []))
                parts.put_nowait(None)

        task = asyncio.create_task(run())
        status, headers = await started
        return httpx.Response(status, headers=headers, stream=_Body(parts, gone, task))


class _Body(httpx.AsyncByteStream):
    def __init__(
        self, parts: asyncio.Queue[bytes | None], gone: asyncio.Event, task: asyncio.Task[None]
    ) -> None:
        self.parts, self.gone, self.task = parts, gone, task

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (part := await self.parts.get()) is not None:
            yield part

    async def aclose(self) -> None:
        self.gone.set()
        await self.task


def streaming_client(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    """Like ``client``, answering when the response starts (``StreamingASGITransport``)."""
    transport = StreamingASGITransport(app)
    return httpx.AsyncClient(transport=transport, base_url="https://gateway.test", **kwargs)


def client(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    """HTTPS, so the Secure session cookie travels as it does behind TLS."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="https://gateway.test", **kwargs)


async def key(app: FastAPI, scope: Scope) -> str:
    return (await named_key(app, scope))[1]


async def named_key(app: FastAPI, scope: Scope) -> tuple[str, str]:
    """A new key's audit name (``key:<name>``) and its secret."""
    name = f"{scope.value}-{uuid.uuid4().hex[:6]}"
    _key, secret = await api_keys.create(app.state.engine, name=name, scope=scope, created_by="t")
    return f"key:{name}", secret


async def person(app: FastAPI, role: Role) -> tuple[str, str]:
    username, password = f"{role.value}-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    await users.create(app.state.engine, username=username, password=password, role=role)
    return username, password


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    form = await http.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    return await http.post(
        "/login", data={"username": username, "password": password, "login_token": token[1]}
    )


def every_route(app: FastAPI, settings: Settings) -> list[tuple[str, str]]:
    """The route table: what every service documents, plus what the gateway answers itself."""
    routes: list[tuple[str, str]] = []
    for service in SERVICES:
        module = importlib.import_module(f"services.{service}.main")
        document = module.create_app(settings).openapi()
        for path, operations in document["paths"].items():
            routes += [(method.upper(), path) for method in operations]
    routes += [(m, p) for m, p in route_table(app) if p != "/{path:path}"]
    return sorted(set(routes))


def concrete(template: str) -> str:
    return PARAM.sub(lambda m: "lotline.css" if m[2] else f"x-{m[1]}", template)
