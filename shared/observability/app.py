"""Mount the three on an app: ``/healthz`` + ``/readyz``, ``/metrics``, and the request
middleware. A service gets it through ``ServiceRuntime.install``; the gateway calls
``observe`` with checks of its own."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from shared.observability.health import ReadinessCheck, health_router
from shared.observability.metrics import Metrics, metrics_router
from shared.observability.middleware import ObservedRequests


def observe(app: FastAPI, metrics: Metrics, checks: Sequence[ReadinessCheck]) -> None:
    app.include_router(health_router(checks))
    app.include_router(metrics_router(metrics))
    app.add_middleware(ObservedRequests, metrics=metrics.http)
