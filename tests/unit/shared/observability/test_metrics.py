"""/metrics: requests by route template, probes gathered at scrape, a failed probe is a
missing sample and never a failed scrape; lag arithmetic."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import uuid4

import httpx
from fastapi import FastAPI
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

from shared.observability.app import observe
from shared.observability.kafka_lag import lag
from shared.observability.metrics import Metrics


@dataclass
class Probe:
    name: str
    value: float | None = 1.0
    hang: bool = False

    async def collect(self) -> Iterable[Metric]:
        if self.hang:
            await asyncio.Event().wait()  # never answers; the deadline must cut it off
        if self.value is None:
            raise RuntimeError("database down")
        family = GaugeMetricFamily(f"lotline_test_{self.name}", "a test gauge")
        family.add_metric([], self.value)
        return [family]


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def app_with(metrics: Metrics) -> FastAPI:
    app = FastAPI()

    @app.get("/api/orders/{order_id}")
    async def order(order_id: str) -> dict[str, str]:
        return {"id": order_id}

    observe(app, metrics, [])
    return app


async def scrape(app: FastAPI, *paths: str) -> str:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
        for path in paths:
            await c.get(path)
        answer = await c.get("/metrics")
    assert answer.status_code == 200
    return answer.text


async def test_requests_are_counted_by_route_template_not_raw_path():
    app = app_with(Metrics("orders"))

    raw = f"/api/orders/{uuid4()}"
    text = await scrape(app, raw, f"/api/orders/{uuid4()}", "/nowhere", "/openapi.json")

    counted = samples(text)
    by_template = frozenset(
        {
            ("service", "orders"),
            ("method", "GET"),
            ("route", "/api/orders/{order_id}"),
            ("status", "200"),
        }
    )
    assert counted[("lotline_http_requests_total", by_template)] == 2
    unmatched = frozenset(
        {("service", "orders"), ("method", "GET"), ("route", "unmatched"), ("status", "404")}
    )
    assert counted[("lotline_http_requests_total", unmatched)] == 1
    assert raw not in text
    openapi = frozenset(
        {("service", "orders"), ("method", "GET"), ("route", "/openapi.json"), ("status", "200")}
    )
    assert counted[("lotline_http_requests_total", openapi)] == 1


async def test_a_failing_or_hanging_probe_leaves_its_samples_out_and_the_scrape_answers():
    metrics = Metrics("inventory", probe_timeout=0.1)
    metrics.add(Probe("fine", 4.0), Probe("broken", None), Probe("stuck", hang=True))

    counted = samples(await scrape(app_with(metrics)))

    assert counted[("lotline_test_fine", frozenset({("service", "inventory")}))] == 4.0
    assert not any(name in ("lotline_test_broken", "lotline_test_stuck") for name, _ in counted)
    up = {
        dict(labels)["probe"]: v
        for (name, labels), v in counted.items()
        if name == "lotline_probe_up"
    }
    assert up == {"fine": 1.0, "broken": 0.0, "stuck": 0.0}


async def test_two_apps_in_one_process_keep_their_own_counts():
    first, second = app_with(Metrics("orders")), app_with(Metrics("orders"))

    await scrape(first, f"/api/orders/{uuid4()}")
    text = await scrape(second)

    assert "/api/orders/{order_id}" not in text


async def test_the_response_carries_the_correlation_id_it_was_given():
    app = app_with(Metrics("orders"))
    flow = str(uuid4())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
        given = await c.get(f"/api/orders/{uuid4()}", headers={"X-Correlation-Id": flow})
        fresh = await c.get(f"/api/orders/{uuid4()}")

    assert given.headers["X-Correlation-Id"] == flow
    assert fresh.headers["X-Correlation-Id"] not in ("", flow)


def test_lag_is_what_the_group_has_not_committed():
    assert lag(committed=7, beginning=0, end=10) == 3
    assert lag(committed=10, beginning=0, end=10) == 0
    assert lag(committed=None, beginning=2, end=10) == 8  # never committed: all that is left
    assert lag(committed=1, beginning=4, end=10) == 6  # committed below retention
