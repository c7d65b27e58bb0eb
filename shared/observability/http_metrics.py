"""HTTP request counter and latency histogram, labelled by route template (``/api/orders/
{order_id}``, never the raw path, so an id in a URL does not make a new series)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.routing import BaseRoute, Match

UNMATCHED = "unmatched"

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def route_template(scope: Mapping[str, Any]) -> str:
    """The template of the route that served ``scope``: the router notes API routes as it
    matches them; plain routes (``/openapi.json``, ``/docs``) are looked up among the app's."""
    route = scope.get("route") or _plain_route(scope)
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED


def _plain_route(scope: Mapping[str, Any]) -> BaseRoute | None:
    routes: list[BaseRoute] = getattr(getattr(scope.get("app"), "router", None), "routes", [])
    for route in routes:
        if route.matches(dict(scope))[0] is Match.FULL:
            return route
    return None


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry, *, service: str) -> None:
        self._service = service
        self.requests = Counter(
            "lotline_http_requests",
            "HTTP requests answered, by route template, method and status code",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "lotline_http_request_duration_seconds",
            "Time from request to the end of the response, by route template and method",
            ["service", "method", "route"],
            registry=registry,
            buckets=LATENCY_BUCKETS,
        )

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(self._service, method, route, str(status)).inc()
        self.latency.labels(self._service, method, route).observe(seconds)
