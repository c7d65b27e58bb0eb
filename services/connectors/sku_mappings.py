"""SKU mappings as a use case: every create, change or delete commits together with a
``SkuMappingChanged`` so the orders service can release what it holds for that SKU.

A mapping's key is a SKU or, for lines that came without one, ``variant:<id>`` /
``product:<id>`` (Shopify) or ``product:<id>`` / ``listing:<id>`` (Etsy)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository
from services.connectors.service import UnknownShop
from services.connectors.stock_push import stock_tracking
from shared import outbox
from shared.contracts.connectors import SkuMappingChanged


class UnknownSkuMapping(LookupError):
    """Deleting a mapping that does not exist."""


class InvalidMappingKey(ValueError):
    """A fallback key whose id is not a number (``variant:abc``) could never match a line."""


ID_KEYS = ("variant:", "product:", "listing:")


def check_key(key: str) -> str:
    """The key as given, refused when it names a channel id that cannot exist."""
    for prefix in ID_KEYS:
        if key.startswith(prefix) and not key.removeprefix(prefix).isdigit():
            raise InvalidMappingKey(f"{key!r}: a {prefix[:-1]} id is a whole number")
    if not key.strip():
        raise InvalidMappingKey("an empty SKU cannot be mapped: map its variant or product id")
    return key


async def set_mapping(engine: AsyncEngine, *, domain: str, sku: str, item_code: str) -> None:
    """Create or change the mapping; announced even when unchanged, which costs nothing
    (orders applies it idempotently) and lets an operator re-trigger a release."""
    check_key(sku)
    async with engine.begin() as conn:
        if await repository.shop_secret(conn, domain) is None:
            raise UnknownShop(f"unknown shop {domain}")
        await repository.upsert_sku_mapping(conn, domain=domain, sku=sku, item_code=item_code)
        await stock_tracking.track_mapping(conn, shop=domain, sku=sku, item_code=item_code)
        await outbox.add(conn, [SkuMappingChanged(shop=domain, sku=sku, item_code=item_code)])


async def delete_mapping(engine: AsyncEngine, *, domain: str, sku: str) -> None:
    """Later orders with this SKU are held again; orders already released keep their item."""
    async with engine.begin() as conn:
        if await repository.shop_secret(conn, domain) is None:
            raise UnknownShop(f"unknown shop {domain}")
        if not await repository.delete_sku_mapping(conn, domain=domain, sku=sku):
            raise UnknownSkuMapping(f"shop {domain} has no mapping for SKU {sku!r}")
        await stock_tracking.forget(conn, shop=domain, sku=sku)
        await outbox.add(conn, [SkuMappingChanged(shop=domain, sku=sku, item_code=None)])
