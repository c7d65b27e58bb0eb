"""The services' HTTP APIs as a dashboard page sees them, answered from canned JSON, so a
page's rendering and its refusals are tested without running the services."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeServices:
    """``fake.on("GET", "/api/orders", json=[…])``; every request is kept in ``seen``."""

    routes: list[tuple[str, re.Pattern[str], Answer]] = field(default_factory=list)
    seen: list[httpx.Request] = field(default_factory=list)

    def on(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        answer: Callable[[httpx.Request], httpx.Response] | None = None,
    ) -> None:
        """``path`` is a regex of the whole path; later routes win over earlier ones."""
        reply: Answer = answer or httpx.Response(status, json=json, headers=headers)
        self.routes.insert(0, (method, re.compile(f"^{path}$"), reply))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        for method, pattern, reply in self.routes:
            if method == request.method and pattern.match(request.url.path):
                if callable(reply):
                    return reply(request)
                return httpx.Response(
                    reply.status_code, content=reply.content, headers=reply.headers
                )
        return httpx.Response(404, json={"detail": f"no fake for {request.url.path}"})

    def requests_to(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.seen if r.method == method and r.url.path == path]

    def body_of(self, method: str, path: str) -> Any:
        [request] = self.requests_to(method, path)
        return json.loads(request.content)


def order(**overrides: Any) -> dict[str, Any]:
    """An order as ``GET /api/orders/{id}`` answers it."""
    now = datetime.now(UTC).isoformat()
    base: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "channel": "manual",
        "shop": "manual",
        "external_id": "M-1001",
        "external_number": "1001",
        "status": "received",
        "hold_reason": None,
        "currency": "EUR",
        "customer": {"name": "Forno Bianchi", "email": "ordini@fornobianchi.example"},
        "placed_at": now,
        "requested_on": None,
        "promised_on": None,
        "promise_reason": None,
        "created_at": now,
        "updated_at": now,
        "lines": [
            {
                "line_no": 1,
                "external_line_id": "1",
                "sku": "FIG-JAM-340G",
                "item_code": "FIG-JAM-340G",
                "title": "Fig jam 340 g",
                "quantity": "12",
                "unit": "pc",
                "unit_price": "4.50",
                "currency": "EUR",
            }
        ],
        "reservations": [],
        "shortages": [],
        "production_orders": [],
        "history": [],
    }
    return {**base, **overrides}


def days_from_today(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def production_order(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    base: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "number": "MO-00007",
        "item_code": "FIG-JAM-340G",
        "quantity": "40",
        "unit": "pc",
        "status": "blocked_on_materials",
        "reason": None,
        "recipe_version": 1,
        "batches": "2",
        "parent_production_order_id": None,
        "output_lot_code": None,
        "output_quantity": None,
        "output_unit": None,
        "output_recorded_at": None,
        "produced_on": None,
        "expires_on": None,
        "created_at": now,
        "updated_at": now,
        "demands": [],
        "materials": [],
        "reserved_lots": [],
        "shortages": [],
        "consumed": [],
        "children": [],
        "history": [],
    }
    return {**base, **overrides}


def quote_answer(promised_on: date) -> dict[str, Any]:
    day = promised_on.isoformat()
    return {
        "as_of": datetime.now(UTC).date().isoformat(),
        "promised_on": day,
        "dominant": "material FIGS (10 days)",
        "dominant_line": 1,
        "lines": [
            {
                "line_no": 1,
                "item_code": "FIG-JAM-340G",
                "promised_on": day,
                "ready_on": day,
                "dominant": "material FIGS (10 days)",
                "breakdown": [
                    {
                        "kind": "material",
                        "label": "material FIGS (10 days)",
                        "done_on": day,
                        "days": 10,
                    }
                ],
                "slot": None,
            }
        ],
    }


def dead_letter(**overrides: Any) -> dict[str, Any]:
    """A waiting dead letter as ``GET /api/dead-letters/{service}`` answers it."""
    base: dict[str, Any] = {
        "dlq_topic": "lotline.orders.events.dlq",
        "partition": 1,
        "offset": 42,
        "dead_at": datetime.now(UTC).isoformat(),
        "status": "waiting",
        "service": "inventory",
        "group": "lotline.inventory.on_order_event",
        "original_topic": "lotline.orders.events",
        "event_type": "orders.order_received",
        "event_id": str(uuid.uuid4()),
        "reason": "handler failed: IntegrityError('duplicate key')",
        "key": None,
        "value_preview": "{}",
        "replayed_by": None,
        "replayed_at": None,
    }
    return {**base, **overrides}
