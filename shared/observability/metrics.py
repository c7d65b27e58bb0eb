"""A process's Prometheus registry and ``GET /metrics``.

Each app gets its own ``CollectorRegistry`` (never the global default), so tests that build
several apps in one process do not collide. Gauges that need I/O (the outbox, consumer lag,
dead rows) are probes: on each scrape they are gathered concurrently with a deadline, then
the registry is rendered. A probe that fails or overruns leaves its samples out and sets
``lotline_probe_up{probe=…} 0``; the scrape itself still answers 200.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.samples import Sample

from shared.observability.http_metrics import HttpMetrics

log = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 3.0


class Probe(Protocol):
    """Metric families read at scrape time (label ``service`` is added for it)."""

    @property
    def name(self) -> str: ...

    async def collect(self) -> Iterable[Metric]: ...


def with_label(family: Metric, name: str, value: str) -> Metric:
    """The same family with one more label on every sample."""
    labelled = Metric(family.name, family.documentation, family.type, family.unit)
    labelled.samples = [
        Sample(s.name, {name: value, **s.labels}, s.value, s.timestamp, s.exemplar)
        for s in family.samples
    ]
    return labelled


class _Gathered:
    """Serves what the last scrape gathered to the (synchronous) registry."""

    def __init__(self) -> None:
        self.families: list[Metric] = []

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


class Metrics:
    """Everything ``/metrics`` shows for one service process."""

    def __init__(self, service: str, *, probe_timeout: float = PROBE_TIMEOUT_SECONDS) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=False)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.http = HttpMetrics(self.registry, service=service)
        self._probes: list[Probe] = []
        self._probe_timeout = probe_timeout
        self._gathered = _Gathered()
        self.registry.register(self._gathered)
        self._lock = asyncio.Lock()

    def add(self, *probes: Probe) -> None:
        self._probes.extend(probes)

    async def render(self) -> bytes:
        """Gather every probe (bounded), then render the registry in the text format."""
        async with self._lock:
            self._gathered.families = await self._gather()
            return generate_latest(self.registry)

    async def _gather(self) -> list[Metric]:
        outcomes = await asyncio.gather(*(self._collect(p) for p in self._probes))
        up = GaugeMetricFamily(
            "lotline_probe_up",
            "1 when the probe answered at the last scrape, 0 when its samples are missing",
            labels=["probe"],
        )
        families: list[Metric] = []
        for probe, outcome in zip(self._probes, outcomes, strict=True):
            up.add_metric([probe.name], 0.0 if outcome is None else 1.0)
            families.extend(outcome or ())
        families.append(up)
        return [with_label(f, "service", self.service) for f in families]

    async def _collect(self, probe: Probe) -> Sequence[Metric] | None:
        try:
            return list(await asyncio.wait_for(probe.collect(), timeout=self._probe_timeout))
        except Exception as error:
            log.warning("metrics probe %s failed: %r", probe.name, error)
            return None


def metrics_router(metrics: Metrics) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def scrape() -> Response:
        return Response(await metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router
