"""Bodies past their limit get 413 with a reason, declared or streamed; a path may have a
larger limit of its own; what fits goes through untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request

from shared.body_limit import BodyLimit


def app() -> FastAPI:
    api = FastAPI()

    @api.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @api.post("/api/imports/orders")
    async def imports(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    api.add_middleware(BodyLimit, max_bytes=1000, per_prefix={"/api/imports": 5000})
    return api


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://t")


async def test_a_body_within_the_limit_reaches_the_route_whole():
    async with client() as c:
        answer = await c.post("/echo", content=b"x" * 1000)

    assert (answer.status_code, answer.json()) == (200, {"bytes": 1000})


async def test_a_declared_body_past_the_limit_is_refused_with_a_reason():
    async with client() as c:
        answer = await c.post("/echo", content=b"x" * 1001)

    assert answer.status_code == 413
    assert answer.json() == {"detail": "the request body is larger than 1000 bytes"}


async def test_a_streamed_body_without_length_is_stopped_once_past_the_limit():
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 300

    async with client() as c:
        answer = await c.post("/echo", content=chunks())

    assert answer.status_code == 413


async def test_the_import_path_has_its_own_larger_limit():
    async with client() as c:
        fits = await c.post("/api/imports/orders", content=b"x" * 4000)
        too_big = await c.post("/api/imports/orders", content=b"x" * 5001)

    assert (fits.status_code, too_big.status_code) == (200, 413)
