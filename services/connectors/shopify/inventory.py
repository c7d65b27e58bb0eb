"""Shopify inventory over the Admin GraphQL API (2025-01): find a SKU's inventory item and
its level, and set the ``available`` quantity with compare-and-set.

API version notes (shopify.dev): in 2025-01 ``inventorySetQuantities`` takes
``compareQuantity`` per quantity (or ``ignoreCompareQuantity: true``); a stale one answers the
userError ``COMPARE_QUANTITY_STALE``. The ``@idempotent(key:)`` directive exists from 2026-01
and is mandatory from 2026-04 (where ``changeFromQuantity`` replaces ``compareQuantity``); in
2025-01 there is none, and none is needed: setting an absolute quantity guarded by the value
we read is idempotent by construction (a retry after a lost answer is refused as stale, and
the read-back then shows our value already there)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.connectors.channels.port import Refused, StaleLevel
from services.connectors.shopify import throttle
from services.connectors.shopify.admin import QUERY_COST_GUESS, ShopifyAdmin

QUANTITY_NAME = "available"
STALE = "COMPARE_QUANTITY_STALE"

VARIANT_LEVELS_QUERY = (
    "query($query: String!) { productVariants(first: 5, query: $query) { nodes { id sku "
    "inventoryItem { id inventoryLevels(first: 5) { nodes { location { id } "
    'quantities(names: ["available"]) { name quantity } } } } } } }'
)

SET_QUANTITIES = (
    "mutation inventorySetQuantities($input: InventorySetQuantitiesInput!) { "
    "inventorySetQuantities(input: $input) { "
    "inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } } "
    "userErrors { field message code } } }"
)


class StaleCompareQuantity(StaleLevel):
    """The shop's quantity moved since we read it (a sale, an edit): read again, then set."""


@dataclass(frozen=True)
class Level:
    """Where a SKU's stock lives in the shop, and what the shop says is available there."""

    inventory_item_id: str
    location_id: str
    available: int


def _search(sku: str) -> str:
    escaped = sku.replace("\\", "\\\\").replace('"', '\\"')
    return f'sku:"{escaped}"'


def read_level(data: Any, sku: str) -> Level:
    """The level of the variant whose SKU is exactly ``sku`` (Shopify's search is fuzzy), at
    its first location — Lotline models one location per shop."""
    variants = ((data or {}).get("productVariants") or {}).get("nodes") or []
    exact = [v for v in variants if isinstance(v, dict) and v.get("sku") == sku]
    if not exact:
        raise Refused(f"the shop has no product variant with SKU {sku!r}")
    item = exact[0].get("inventoryItem") or {}
    levels = (item.get("inventoryLevels") or {}).get("nodes") or []
    if not item.get("id") or not levels:
        raise Refused(f"SKU {sku!r} is not stocked at any location of the shop")
    level = levels[0]
    quantities = {q.get("name"): q.get("quantity") for q in level.get("quantities") or []}
    available = quantities.get(QUANTITY_NAME)
    if not isinstance(available, int):
        raise Refused(f"unexpected answer: no available quantity for SKU {sku!r}")
    return Level(str(item["id"]), str((level.get("location") or {}).get("id")), available)


def set_input(level: Level, quantity: int, *, reference: str) -> dict[str, Any]:
    """Variables of the compare-and-set: ``quantity`` if the shop still has what we read."""
    return {
        "input": {
            "name": QUANTITY_NAME,
            "reason": "correction",
            "referenceDocumentUri": reference,
            "ignoreCompareQuantity": False,
            "quantities": [
                {
                    "inventoryItemId": level.inventory_item_id,
                    "locationId": level.location_id,
                    "quantity": quantity,
                    "compareQuantity": level.available,
                }
            ],
        }
    }


class ShopifyInventory(ShopifyAdmin):
    """The Admin API calls a stock push needs (same throttling and error sorting)."""

    async def level(self, sku: str) -> Level:
        data = await self._post(
            VARIANT_LEVELS_QUERY, {"query": _search(sku)}, cost=QUERY_COST_GUESS
        )
        return read_level(data, sku)

    async def set_available(self, level: Level, quantity: int, *, reference: str) -> None:
        """Raises StaleCompareQuantity when the shop's quantity is no longer ``level``'s."""
        variables = set_input(level, quantity, reference=reference)
        data = await self._post(SET_QUANTITIES, variables, cost=throttle.MUTATION_COST)
        payload = (data or {}).get("inventorySetQuantities")
        if not isinstance(payload, dict):
            raise Refused("unexpected answer to inventorySetQuantities: no payload")
        errors = payload.get("userErrors") or []
        if any(e.get("code") == STALE for e in errors):
            raise StaleCompareQuantity(f"the shop's quantity is no longer {level.available}")
        if errors:
            messages = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
            raise Refused(f"Shopify refused the quantity: {messages}")
