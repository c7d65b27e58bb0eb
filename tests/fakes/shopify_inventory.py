"""Inventory for the fake Shopify Admin API: product variants with a SKU, their inventory
items and levels at locations, and ``inventorySetQuantities`` with compare-and-set.

Shapes follow Shopify's 2025-01 reference (``productVariants(query:)``,
``InventoryItem.inventoryLevels``, ``InventoryLevel.quantities(names:)``,
``InventorySetQuantitiesInput``, ``InventorySetQuantitiesUserError`` with its ``code``
enum: ``COMPARE_QUANTITY_STALE``, ``COMPARE_QUANTITY_REQUIRED``, ``INVALID_NAME``,
``INVALID_INVENTORY_ITEM``, ``INVALID_LOCATION``, ``INVALID_QUANTITY_NEGATIVE``). ASSUMED: the
userErrors' message texts, and that a search ``sku:"X"`` matches SKUs that start with X (the
real search is fuzzy too, which is why clients must compare the SKU exactly)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

INVENTORY_INPUTS: dict[str, dict[str, str | None]] = {
    "InventorySetQuantitiesInput": {
        "name": None,
        "reason": None,
        "referenceDocumentUri": None,
        "ignoreCompareQuantity": None,
        "quantities": "InventoryQuantityInput",
    },
    "InventoryQuantityInput": {
        "inventoryItemId": None,
        "locationId": None,
        "quantity": None,
        "compareQuantity": None,
    },
}
REASONS = frozenset({"correction", "cycle_count_available", "received", "restock", "other"})


@dataclass
class FakeVariant:
    id: int
    sku: str
    inventory_item_id: int
    available: dict[int, int]  # location id → available


@dataclass
class FakeInventory:
    """The shop's variants and levels; ``sets`` records every quantity actually set."""

    variants: dict[str, FakeVariant] = field(default_factory=dict)
    location_ids: tuple[int, ...] = (65_000_000_001,)
    sets: list[tuple[str, int]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(44_000_000_001))

    def add_variant(self, sku: str, available: int = 0) -> FakeVariant:
        variant = FakeVariant(
            next(self._ids), sku, next(self._ids), dict.fromkeys(self.location_ids, available)
        )
        self.variants[sku] = variant
        return variant

    def available(self, sku: str) -> int:
        return self.variants[sku].available[self.location_ids[0]]

    def edit_in_admin(self, sku: str, available: int) -> None:
        """Someone changes the quantity in the shop's admin: drift Lotline must notice."""
        self.variants[sku].available[self.location_ids[0]] = available

    # -- GraphQL ----------------------------------------------------------------------------

    def _level(self, variant: FakeVariant, location: int) -> dict[str, Any]:
        def quantities(names: list[str] | None = None) -> list[dict[str, Any]]:
            return [
                {
                    "__typename": "InventoryQuantity",
                    "name": n,
                    "quantity": variant.available[location],
                }
                for n in names or ["available"]
                if n == "available"
            ]

        return {
            "__typename": "InventoryLevel",
            "id": f"gid://shopify/InventoryLevel/{variant.inventory_item_id}?inventory_item_id={location}",
            "location": {"__typename": "Location", "id": f"gid://shopify/Location/{location}"},
            "quantities": quantities(),
        }

    def variant_object(self, variant: FakeVariant) -> dict[str, Any]:
        from tests.fakes.shopify_admin import Connection

        return {
            "__typename": "ProductVariant",
            "id": f"gid://shopify/ProductVariant/{variant.id}",
            "sku": variant.sku,
            "inventoryItem": {
                "__typename": "InventoryItem",
                "id": f"gid://shopify/InventoryItem/{variant.inventory_item_id}",
                "tracked": True,
                "inventoryLevels": Connection(
                    "InventoryLevel", [self._level(variant, loc) for loc in variant.available]
                ),
            },
        }

    def product_variants(self, arguments: dict[str, Any]) -> Any:
        from tests.fakes.shopify_admin import Connection

        match = re.fullmatch(r'sku:"?((?:[^"\\]|\\.)*)"?', str(arguments.get("query") or ""))
        wanted = match.group(1).replace('\\"', '"') if match else None
        found = [
            self.variant_object(v)
            for sku, v in sorted(self.variants.items())
            if wanted is None or sku.startswith(wanted)
        ]
        return Connection("ProductVariant", found).page(arguments)

    def set_quantities(self, arguments: dict[str, Any]) -> dict[str, Any]:
        data = arguments.get("input") or {}
        errors = self._refusal(data)
        if errors:
            return self._payload(None, errors)
        changes = []
        for q in data["quantities"]:
            variant = self._variant(q["inventoryItemId"])
            assert variant is not None
            location = int(str(q["locationId"]).rsplit("/", 1)[-1])
            before = variant.available[location]
            variant.available[location] = int(q["quantity"])
            self.sets.append((variant.sku, int(q["quantity"])))
            changes.append(
                {
                    "__typename": "InventoryChange",
                    "name": "available",
                    "delta": int(q["quantity"]) - before,
                    "quantityAfterChange": int(q["quantity"]),
                }
            )
        group = {
            "__typename": "InventoryAdjustmentGroup",
            "id": f"gid://shopify/InventoryAdjustmentGroup/{next(self._ids)}",
            "changes": changes,
            "reason": data.get("reason"),
            "referenceDocumentUri": data.get("referenceDocumentUri"),
        }
        return self._payload(group, [])

    def _variant(self, gid: Any) -> FakeVariant | None:
        match = re.fullmatch(r"gid://shopify/InventoryItem/(\d+)", str(gid or ""))
        wanted = int(match.group(1)) if match else -1
        return next((v for v in self.variants.values() if v.inventory_item_id == wanted), None)

    def _refusal(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        if data.get("name") not in ("available", "on_hand"):
            return [
                self._error(
                    ["input", "name"],
                    "INVALID_NAME",
                    "The quantity name must be either 'available' or 'on_hand'.",
                )
            ]
        if data.get("reason") not in REASONS:
            return [
                self._error(
                    ["input", "reason"], "INVALID_REASON", "The specified reason is invalid."
                )
            ]
        ignore = bool(data.get("ignoreCompareQuantity"))
        for i, q in enumerate(data.get("quantities") or []):
            where = ["input", "quantities", str(i)]
            variant = self._variant(q.get("inventoryItemId"))
            if variant is None:
                return [
                    self._error(
                        [*where, "inventoryItemId"],
                        "INVALID_INVENTORY_ITEM",
                        "The specified inventory item could not be found.",
                    )
                ]
            tail = str(q.get("locationId") or "").rsplit("/", 1)[-1]
            location = int(tail) if tail.isdigit() else -1
            if location not in variant.available:
                return [
                    self._error(
                        [*where, "locationId"],
                        "INVALID_LOCATION",
                        "The specified location could not be found.",
                    )
                ]
            if not isinstance(q.get("quantity"), int) or q["quantity"] < 0:
                return [
                    self._error(
                        [*where, "quantity"],
                        "INVALID_QUANTITY_NEGATIVE",
                        "The quantity can't be negative.",
                    )
                ]
            if not ignore and "compareQuantity" not in q:
                return [
                    self._error(
                        [*where, "compareQuantity"],
                        "COMPARE_QUANTITY_REQUIRED",
                        "The compareQuantity argument must be given to each quantity or "
                        "ignored using ignoreCompareQuantity.",
                    )
                ]
            if not ignore and q["compareQuantity"] != variant.available[location]:
                return [
                    self._error(
                        [*where, "compareQuantity"],
                        "COMPARE_QUANTITY_STALE",
                        "The compareQuantity value does not match persisted value.",
                    )
                ]
        return []

    @staticmethod
    def _error(field_path: list[str], code: str, message: str) -> dict[str, Any]:
        return {
            "__typename": "InventorySetQuantitiesUserError",
            "field": field_path,
            "code": code,
            "message": message,
        }

    @staticmethod
    def _payload(group: dict[str, Any] | None, errors: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "__typename": "InventorySetQuantitiesPayload",
            "inventoryAdjustmentGroup": group,
            "userErrors": errors,
        }
