"""One ASGI middleware observes every HTTP request: binds its correlation id (from
``X-Correlation-Id``, else a new one, echoed in the response) and the order id in its path
to the log context, counts and times it by route template, and logs one line for it."""

from __future__ import annotations

import logging
import time
from uuid import uuid4

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability import correlation
from shared.observability.http_metrics import HttpMetrics, route_template

log = logging.getLogger("lotline.http")

QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def request_fields(path: str, header: str | None) -> dict[str, str]:
    """What the log context carries while this request is served."""
    fields = {"correlation_id": str(correlation.parse_header(header) or uuid4())}
    order_id = correlation.order_id_in_path(path)
    if order_id is not None:
        fields["order_id"] = str(order_id)
    return fields


class ObservedRequests:
    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        fields = request_fields(path, Headers(scope=scope).get(correlation.HEADER))
        status = {"code": 500}

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                MutableHeaders(scope=message)[correlation.HEADER] = fields["correlation_id"]
            await send(message)

        started = time.perf_counter()
        with correlation.bound(**fields):
            try:
                await self.app(scope, receive, send_observed)
            finally:
                self._record(scope, path, status["code"], time.perf_counter() - started)

    def _record(self, scope: Scope, path: str, status: int, seconds: float) -> None:
        method = scope.get("method", "")
        route = route_template(scope)
        self.metrics.observe(method=method, route=route, status=status, seconds=seconds)
        if path not in QUIET_PATHS:
            log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={"route": route, "status": status, "duration_ms": round(seconds * 1e3, 1)},
            )
