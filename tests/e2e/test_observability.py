"""Operators' view of the running system: every service answers /healthz, /readyz and
/metrics, logs only JSON lines, and one grep of an order's correlation id finds it in the
logs of the services it passed through."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import System, eventually
from tests.e2e.test_manual_orders import order_of, stocked_item

pytestmark = pytest.mark.e2e

SERVICES = ("orders", "inventory", "production", "connectors", "trace")


def base_of(system: System, service: str) -> str:
    return f"http://127.0.0.1:{getattr(system.settings.ports, service)}"


def log_lines(system: System, service: str) -> list[str]:
    text = (system.logs / f"{service}.log").read_text(errors="replace")
    return [line for line in text.splitlines() if line.strip()]


async def test_every_service_answers_health_readiness_and_metrics(system):
    async with httpx.AsyncClient(timeout=30) as client:
        for service in SERVICES:
            base = base_of(system, service)
            alive, ready, metrics = (
                await client.get(f"{base}/healthz"),
                await client.get(f"{base}/readyz"),
                await client.get(f"{base}/metrics"),
            )

            assert alive.status_code == 200, service
            assert ready.status_code == 200, (service, ready.text)
            assert metrics.status_code == 200, service
            names = {
                s.name
                for family in text_string_to_metric_families(metrics.text)
                for s in family.samples
                if s.labels.get("service") == service
            }
            assert {"lotline_outbox_unpublished", "lotline_kafka_consumer_lag"} <= names, service


async def test_one_grep_of_the_correlation_id_follows_an_order_across_services(system, gateway):
    jam = await stocked_item(gateway)
    flow = str(uuid.uuid4())
    headers = {"Idempotency-Key": str(uuid.uuid4()), "X-Correlation-Id": flow}
    async with httpx.AsyncClient(base_url=base_of(system, "connectors"), timeout=30) as client:
        placed = await eventually(
            lambda: client.post("/api/manual-orders", json=order_of(jam), headers=headers),
            lambda answer: answer.status_code != 422,
            timeout=30,
        )
    assert placed.status_code == 201, placed.text
    assert placed.headers["X-Correlation-Id"] == flow

    async def grep() -> dict[str, list[dict[str, Any]]]:
        return {
            service: [json.loads(line) for line in log_lines(system, service) if flow in line]
            for service in SERVICES
        }

    def reserved(by: dict[str, list[dict[str, Any]]]) -> bool:
        """Inventory handled the order's order_received (its other events may come first)."""
        handled = {line.get("event_type") for line in by["inventory"]}
        return bool(by["orders"]) and "orders.order_received" in handled

    found = await eventually(grep, reserved)

    for service in ("connectors", "orders", "inventory"):
        assert found[service], service
        assert all(line["correlation_id"] == flow for line in found[service]), service
        assert all(line["service"] == service for line in found[service]), service
    order_id = placed.json()["order_id"]
    assert any(line.get("order_id") == order_id for line in found["inventory"])


async def test_every_log_line_of_every_service_is_one_json_object(system):
    for service in SERVICES:
        for line in log_lines(system, service):
            record = json.loads(line)
            assert {"timestamp", "level", "service", "logger", "message"} <= set(record), line
