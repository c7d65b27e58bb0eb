"""Stock push to WooCommerce: the product (or variation) with the SKU is found by
``GET /products?sku=…`` (WooCommerce searches variations too), and its ``stock_quantity``
set by ``PUT /products/{id}`` or ``PUT /products/{parent}/variations/{id}`` with
``manage_stock: true``.

WooCommerce has no compare-and-set: ``set_available`` reads the product again right before
the PUT and raises ``StaleLevel`` when its quantity moved since ``level`` (a sale), so the
shared stock-push rules read again and recompute. The window between that read and the PUT
is not closed (an order placed in it is overwritten by the absolute quantity, then
corrected by the next drift check)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.connectors.channels.port import Refused, StaleLevel, StockLevel
from services.connectors.woocommerce.client import WooApi


@dataclass(frozen=True)
class Level:
    sku: str
    path: str  # /products/{id} or /products/{parent}/variations/{id}
    available: int


def _quantity(product: dict[str, Any]) -> int:
    """A product that does not manage its stock shows 0: Lotline takes over its count."""
    quantity = product.get("stock_quantity")
    if product.get("manage_stock") is not True or not isinstance(quantity, int):
        return 0
    return quantity


def read_level(products: list[dict[str, Any]], sku: str) -> Level:
    """The product or variation whose SKU is exactly ``sku``."""
    exact = [p for p in products if p.get("sku") == sku and isinstance(p.get("id"), int)]
    if not exact:
        raise Refused(f"the store has no product or variation with SKU {sku!r}")
    product = exact[0]
    parent = product.get("parent_id")
    if product.get("type") == "variation" and isinstance(parent, int) and parent > 0:
        path = f"/products/{parent}/variations/{product['id']}"
    else:
        path = f"/products/{product['id']}"
    return Level(sku, path, _quantity(product))


class WooStock:
    """One store's stock levels (the port's ``ShopStock``)."""

    def __init__(self, api: WooApi) -> None:
        self._api = api

    async def level(self, sku: str) -> Level:
        return read_level(await self._api.products_by_sku(sku), sku)

    async def set_available(self, level: StockLevel, quantity: int, *, reference: str) -> None:
        if not isinstance(level, Level):
            raise TypeError(f"not a WooCommerce stock level: {level!r}")
        current = _quantity(await self._api.product(level.path))
        if current != level.available:
            raise StaleLevel(f"the store's quantity is no longer {level.available} ({current})")
        await self._api.set_stock(level.path, quantity)
