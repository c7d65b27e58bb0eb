"""The demo data set: one Shopify shop, three finished goods, stock for two of them.

OLIVE-OIL-500ML has no stock on purpose: an order for it waits for production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.cli.client import Gateway, segment

SHOP = "lotline-demo.myshopify.com"
SECRET = "demo-webhook-secret-change-me"
ALREADY_THERE = frozenset({409})


@dataclass(frozen=True)
class DemoItem:
    code: str
    name: str


@dataclass(frozen=True)
class DemoLot:
    item_code: str
    lot_code: str
    quantity: int
    expires_on: str


ITEMS = (
    DemoItem("LAVENDER-SOAP-100G", "Lavender soap 100 g"),
    DemoItem("HONEY-JAR-250G", "Wildflower honey 250 g jar"),
    DemoItem("OLIVE-OIL-500ML", "Extra virgin olive oil 500 ml"),
)
LOTS = (
    DemoLot("LAVENDER-SOAP-100G", "LS-2611-A", 40, "2027-06-30"),
    DemoLot("LAVENDER-SOAP-100G", "LS-2610-B", 10, "2027-03-31"),
    DemoLot("HONEY-JAR-250G", "HJ-2611-A", 24, "2028-11-01"),
)
POST_SAMPLE_ORDER = (
    f".venv/bin/python -m services.cli webhook post --shop {SHOP} --secret {SECRET} --new-order-id"
)


def _created(gateway: Gateway, path: str, body: dict[str, Any]) -> str:
    answer = gateway.request("POST", path, json=body, accept=ALREADY_THERE)
    return "already there" if answer.status_code in ALREADY_THERE else "created"


def seed(gateway: Gateway) -> list[tuple[str, str]]:
    """Create whatever is missing; what exists already (409) is left as it is."""
    steps = [
        (
            f"shop {SHOP}",
            _created(
                gateway,
                "/api/shops",
                {"domain": SHOP, "channel": "shopify", "webhook_secret": SECRET},
            ),
        )
    ]
    for item in ITEMS:
        body = {"code": item.code, "name": item.name, "kind": "finished_good", "base_unit": "pc"}
        steps.append((f"item {item.code}", _created(gateway, "/api/items", body)))
    for item in ITEMS:
        gateway.request(
            "PUT",
            f"/api/shops/{segment(SHOP)}/sku-mappings/{segment(item.code)}",
            json={"item_code": item.code},
        )
        steps.append((f"SKU {item.code} → item {item.code}", "mapped"))
    for lot in LOTS:
        body = {
            "item_code": lot.item_code,
            "lot_code": lot.lot_code,
            "quantity": str(lot.quantity),
            "unit": "pc",
            "expires_on": lot.expires_on,
        }
        steps.append(
            (f"lot {lot.lot_code} of {lot.item_code}", _created(gateway, "/api/lots", body))
        )
    return steps


def demo_stock(gateway: Gateway) -> list[dict[str, Any]]:
    """The gateway's stock rows of the demo items, in the demo's order."""
    rows = {row["item_code"]: row for row in gateway.get("/api/stock")}
    return [rows[item.code] for item in ITEMS if item.code in rows]
