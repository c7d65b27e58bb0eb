"""The stock push's Shopify client against the fake over real HTTP: the level of a SKU, a
compare-and-set that lands, a stale compare refused with Shopify's error code, throttling."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.connectors.channels.port import Refused, RetryLater
from services.connectors.shopify.inventory import ShopifyInventory, StaleCompareQuantity
from tests.fakes.shopify_admin import FakeShopifyAdmin, running_fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeShopifyAdmin]:
    async with running_fake() as fake:
        fake.inventory.add_variant("LAV-250", available=7)
        fake.inventory.add_variant("LAV-250-GIFT", available=1)  # a fuzzy search also finds it
        yield fake


@pytest.fixture
async def client(fake: FakeShopifyAdmin) -> AsyncIterator[ShopifyInventory]:
    async with httpx.AsyncClient() as http:
        yield ShopifyInventory(http, fake.url, fake.access_token)


async def test_the_level_of_exactly_the_sku_asked_for(client):
    level = await client.level("LAV-250")

    assert level.available == 7
    assert level.inventory_item_id.startswith("gid://shopify/InventoryItem/")
    assert level.location_id.startswith("gid://shopify/Location/")


async def test_a_compare_and_set_lands_and_names_its_reference(client, fake):
    level = await client.level("LAV-250")

    await client.set_available(level, 3, reference="lotline://stock-sync/shop/LAV-250")

    assert fake.inventory.available("LAV-250") == 3
    [request] = fake.requests_for("inventorySetQuantities")
    [quantity] = request.variables["input"]["quantities"]
    assert (quantity["compareQuantity"], quantity["quantity"]) == (7, 3)


async def test_a_stale_compare_quantity_is_refused_and_changes_nothing(client, fake):
    level = await client.level("LAV-250")
    fake.inventory.edit_in_admin("LAV-250", 6)  # a sale in between

    with pytest.raises(StaleCompareQuantity):
        await client.set_available(level, 3, reference="lotline://x")

    assert fake.inventory.available("LAV-250") == 6


async def test_an_unknown_sku_is_a_refusal_and_throttling_asks_to_retry(client, fake):
    with pytest.raises(Refused, match="no product variant with SKU 'NOPE'"):
        await client.level("NOPE")
    fake.throttle_next(operation="productVariants")
    with pytest.raises(RetryLater) as throttled:
        await client.level("LAV-250")
    assert throttled.value.wait_seconds is not None
