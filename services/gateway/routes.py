"""Which service answers which path. Longest prefix wins."""

from __future__ import annotations

import json
from typing import Any

ROUTES: tuple[tuple[str, str], ...] = (
    ("/webhooks/", "connectors"),
    ("/api/shops", "connectors"),
    ("/api/write-backs", "connectors"),
    ("/api/etsy", "connectors"),
    ("/api/woocommerce", "connectors"),
    ("/api/amazon", "connectors"),  # issue 19
    ("/api/webhook-deliveries", "connectors"),
    ("/api/outbound-webhooks", "connectors"),  # signed outbound webhooks (issue 17)
    ("/api/orders", "orders"),
    ("/api/shipments", "orders"),
    ("/webhooks/sendcloud", "orders"),
    ("/api/items", "inventory"),
    ("/api/lots", "inventory"),
    ("/api/stock", "inventory"),
    ("/api/reservations", "inventory"),
    ("/api/receipts", "inventory"),
    ("/api/purchase-orders", "inventory"),
    ("/api/reorder-points", "inventory"),
    ("/api/shelf-life-rules", "inventory"),  # minimum remaining shelf life (issue 17)
    ("/api/suggestions", "inventory"),
    ("/api/ledger", "inventory"),
    ("/api/production-orders", "production"),
    ("/api/recipes", "production"),
    ("/api/availability", "production"),
    ("/api/lines", "production"),
    ("/api/quotes", "production"),
    ("/api/trace", "trace"),
    # manual and bulk channels, stock push (issue 4, points 6, 10, 11)
    ("/api/manual-orders", "connectors"),
    ("/api/imports", "connectors"),
    ("/api/stock-sync", "connectors"),
    # each service lists and replays the dead letters its own consumers wrote
    ("/api/dead-letters/orders", "orders"),
    ("/api/dead-letters/inventory", "inventory"),
    ("/api/dead-letters/production", "production"),
    ("/api/dead-letters/connectors", "connectors"),
    ("/api/dead-letters/trace", "trace"),
)

SERVICES: tuple[str, ...] = ("orders", "inventory", "production", "connectors", "trace")


def service_for(path: str) -> str | None:
    """The service owning ``path``, or None when no service does."""
    matches = [(prefix, svc) for prefix, svc in ROUTES if path.startswith(prefix)]
    if not matches:
        return None
    return max(matches, key=lambda match: len(match[0]))[1]


def merge_openapi(documents: dict[str, dict[str, Any]], *, title: str) -> dict[str, Any]:
    """One OpenAPI document from each service's: paths and component schemas united.

    Two services may name different schemas alike (orders' and production's
    ``ShortageOut``): the later one is renamed ``<service>.<name>`` in its own document, so
    no answer is checked against another service's shape."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for service, original in documents.items():
        document = _without_clashes(service, original, schemas)
        paths.update(document.get("paths", {}))
        schemas.update(document.get("components", {}).get("schemas", {}))
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "0.1.0"},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def _without_clashes(
    service: str, document: dict[str, Any], taken: dict[str, Any]
) -> dict[str, Any]:
    own = document.get("components", {}).get("schemas", {})
    clashes = [name for name, schema in own.items() if name in taken and taken[name] != schema]
    if not clashes:
        return document
    text = json.dumps(document)
    for name in clashes:
        text = text.replace(
            f'"#/components/schemas/{name}"', f'"#/components/schemas/{service}.{name}"'
        )
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed["components"]["schemas"]
    for name in clashes:
        schemas[f"{service}.{name}"] = schemas.pop(name)
    return renamed
