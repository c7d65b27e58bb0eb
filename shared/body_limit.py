"""A ceiling on request bodies: a client cannot make a service hold an arbitrarily large
body in memory. Refused with 413 and a reason before the route runs — from the declared
``Content-Length`` when there is one, else as soon as the streamed body passes the limit.

Pure ASGI (no body buffering of its own): the route still reads the body as it streams.
A path may have a larger limit of its own (the wholesale CSV import).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.settings import RequestLimits


def install(app: FastAPI, limits: RequestLimits) -> None:
    """The deployment's limits on ``app`` (the gateway and every service alike)."""
    app.add_middleware(
        BodyLimit,
        max_bytes=limits.max_body_bytes,
        per_prefix={
            limits.import_prefix: limits.max_import_bytes,
            limits.webhook_prefix: limits.max_webhook_bytes,
        },
    )


class BodyTooLarge(Exception):
    """The streamed body passed its limit (caught here, answered 413)."""


class BodyLimit:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, per_prefix: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_prefix = dict(per_prefix or {})

    def limit_for(self, path: str) -> int:
        """The longest matching prefix's limit, else the default."""
        matches = [p for p in self.per_prefix if path.startswith(p)]
        return self.per_prefix[max(matches, key=len)] if matches else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    body: dict[str, Any] = {"detail": f"the request body is larger than {limit} bytes"}
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
