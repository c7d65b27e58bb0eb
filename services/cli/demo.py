"""The demo data set: one Shopify shop, four finished goods, and a two-level recipe.

OLIVE-OIL-500ML has neither stock nor recipe: an order for it waits for production.
BUTTER-BISCUITS-250G has 4 jars in stock and a recipe through BISCUIT-DOUGH, whose FLOUR-00
is short on purpose (2 kg), so an order for 30 jars waits for flour (README, "Make-to-order
walk-through"). Every step is safe to run again: what exists is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.cli.client import Gateway, post_when_known, segment

SHOP = "lotline-demo.myshopify.com"
SECRET = "demo-webhook-secret-change-me"
ALREADY_THERE = frozenset({409})
RECIPE_WAIT_SECONDS = 20.0
CLI = ".venv/bin/python -m services.cli"


@dataclass(frozen=True)
class DemoItem:
    code: str
    name: str
    kind: str = "finished_good"
    unit: str = "pc"
    supplier: str | None = None
    lead_time_days: int | None = None
    shelf_life_days: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "base_unit": self.unit,
            "supplier": self.supplier,
            "lead_time_days": self.lead_time_days,
            "shelf_life_days": self.shelf_life_days,
        }


@dataclass(frozen=True)
class DemoLot:
    """Finished stock taken in under a lot code of our own."""

    item_code: str
    lot_code: str
    quantity: int
    expires_on: str


@dataclass(frozen=True)
class DemoReceipt:
    """A supplier's delivery; inventory gives it our lot code."""

    item_code: str
    quantity: str
    unit: str
    supplier: str
    supplier_lot_code: str
    expires_on: str | None = None


BISCUITS = "BUTTER-BISCUITS-250G"
ITEMS = (  # finished goods, each sold on the demo shop under a SKU of the same code
    DemoItem("LAVENDER-SOAP-100G", "Lavender soap 100 g"),
    DemoItem("HONEY-JAR-250G", "Wildflower honey 250 g jar"),
    DemoItem("OLIVE-OIL-500ML", "Extra virgin olive oil 500 ml"),
    DemoItem(BISCUITS, "Butter biscuits 250 g jar", shelf_life_days=180),
)
MATERIALS = (
    DemoItem("FLOUR-00", "Flour type 00", "raw_material", "kg", "Mulino Rossi", 10),
    DemoItem("BUTTER", "Butter", "raw_material", "kg", "Latteria Sole", 3),
    DemoItem("SUGAR", "Sugar", "raw_material", "kg", lead_time_days=5),
    DemoItem("JAR-GLASS-250", "Glass jar 250 ml", "packaging", "pc", "Vetri Nord", 15),
    DemoItem("BISCUIT-DOUGH", "Biscuit dough", "intermediate", "kg", shelf_life_days=3),
)
LOTS = (
    DemoLot("LAVENDER-SOAP-100G", "LS-2611-A", 40, "2027-06-30"),
    DemoLot("LAVENDER-SOAP-100G", "LS-2610-B", 10, "2027-03-31"),
    DemoLot("HONEY-JAR-250G", "HJ-2611-A", 24, "2028-11-01"),
    DemoLot(BISCUITS, "BB-2611-A", 4, "2027-05-31"),
)
RECEIPTS = (
    DemoReceipt("BUTTER", "20", "kg", "Latteria Sole", "LS-B-4471", "2027-01-31"),
    DemoReceipt("SUGAR", "10", "kg", "Zuccherificio Po", "ZP-26-118", "2028-12-31"),
    DemoReceipt("JAR-GLASS-250", "200", "pc", "Vetri Nord", "VN-0931"),
    DemoReceipt("FLOUR-00", "2", "kg", "Mulino Rossi", "MR-2610-88", "2027-04-30"),
)
RECIPES: tuple[dict[str, Any], ...] = (
    {
        "item_code": "BISCUIT-DOUGH",
        "batch_size": "10",
        "unit": "kg",
        "expected_yield": "1",
        "whole_batches": False,
        "duration_minutes": 60,
        "lines": [
            {"item_code": "FLOUR-00", "quantity": "6", "unit": "kg"},
            {"item_code": "BUTTER", "quantity": "3", "unit": "kg"},
            {"item_code": "SUGAR", "quantity": "1000", "unit": "g"},
        ],
    },
    {
        "item_code": BISCUITS,
        "batch_size": "20",
        "unit": "pc",
        "expected_yield": "0.95",
        "whole_batches": True,
        "duration_minutes": 90,
        "lines": [
            {"item_code": "BISCUIT-DOUGH", "quantity": "5", "unit": "kg"},
            {"item_code": "JAR-GLASS-250", "quantity": "20", "unit": "pc"},
        ],
    },
)
WEBHOOK = f"{CLI} webhook post --shop {SHOP} --secret {SECRET}"
POST_SAMPLE_ORDER = f"{WEBHOOK} --new-order-id"
POST_BISCUIT_ORDER = f"{WEBHOOK} --sku {BISCUITS} --quantity 30"
CAN_MAKE_BISCUITS = f"{CLI} can-make {BISCUITS} 30"

Steps = list[tuple[str, str]]


def _created(gateway: Gateway, path: str, body: dict[str, Any]) -> str:
    answer = gateway.request("POST", path, json=body, accept=ALREADY_THERE)
    return "already there" if answer.status_code in ALREADY_THERE else "created"


def _catalogue(gateway: Gateway) -> Steps:
    shop = {"domain": SHOP, "channel": "shopify", "webhook_secret": SECRET}
    steps = [(f"shop {SHOP}", _created(gateway, "/api/shops", shop))]
    for item in (*ITEMS, *MATERIALS):
        steps.append((f"item {item.code}", _created(gateway, "/api/items", item.as_json())))
    for item in ITEMS:
        gateway.request(
            "PUT",
            f"/api/shops/{segment(SHOP)}/sku-mappings/{segment(item.code)}",
            json={"item_code": item.code},
        )
        steps.append((f"SKU {item.code} → item {item.code}", "mapped"))
    return steps


def _stock(gateway: Gateway) -> Steps:
    steps = []
    for lot in LOTS:
        body = {
            "item_code": lot.item_code,
            "lot_code": lot.lot_code,
            "quantity": str(lot.quantity),
            "unit": "pc",
            "expires_on": lot.expires_on,
        }
        outcome = _created(gateway, "/api/lots", body)
        steps.append((f"lot {lot.lot_code} of {lot.item_code}", outcome))
    for receipt in RECEIPTS:
        steps.append(_receive_once(gateway, receipt))
    return steps


def _receive_once(gateway: Gateway, receipt: DemoReceipt) -> tuple[str, str]:
    """A receipt makes a new lot each time, so receive only into an item without lots."""
    delivery = f"{receipt.quantity} {receipt.unit} of {receipt.item_code}"
    if gateway.get("/api/lots", params={"item_code": receipt.item_code}):
        return (f"stock of {receipt.item_code}", "already there")
    answer = gateway.request(
        "POST",
        "/api/receipts",
        json={
            "item_code": receipt.item_code,
            "quantity": receipt.quantity,
            "unit": receipt.unit,
            "supplier": receipt.supplier,
            "supplier_lot_code": receipt.supplier_lot_code,
            "expires_on": receipt.expires_on,
        },
    ).json()
    return (f"lot {answer['lot_code']}: {delivery} from {receipt.supplier}", "received")


def _recipes(gateway: Gateway, notify: Callable[[str], None]) -> Steps:
    """Recipes are versioned (posting one again makes a new version): post only when the
    item has no active recipe; production may not know items created a moment ago yet."""
    steps = []
    for body in RECIPES:
        code = body["item_code"]
        path = f"/api/recipes/{segment(code)}"
        known = gateway.request("GET", path, accept=frozenset({404}))
        if known.status_code == 200 and known.json().get("active") is not None:
            steps.append((f"recipe {code}", "already there"))
            continue
        answer = post_when_known(
            gateway,
            "/api/recipes",
            body,
            wait=RECIPE_WAIT_SECONDS,
            on_retry=lambda detail: notify(
                f"  waiting for production to know the items ({detail})"
            ),
        ).json()
        steps.append((f"recipe {code} v{answer['version']}", "created"))
    return steps


def seed(gateway: Gateway, *, notify: Callable[[str], None] = lambda _m: None) -> Steps:
    """Create whatever is missing; what exists already is left as it is."""
    return [*_catalogue(gateway), *_stock(gateway), *_recipes(gateway, notify)]


def demo_stock(gateway: Gateway) -> dict[str, dict[str, Any]]:
    """The gateway's stock rows of the demo items, by item code."""
    codes = {item.code for item in (*ITEMS, *MATERIALS)}
    return {row["item_code"]: row for row in gateway.get("/api/stock") if row["item_code"] in codes}
