"""The WooCommerce REST client against the loopback fake: Basic auth and WooCommerce's error
body, paging headers, the write-back never done twice after a lost answer, and the stock
compare-and-set refusing a level that moved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.connectors.channels.port import Refused, RetryLater, StaleLevel
from services.connectors.woocommerce import fulfilment
from services.connectors.woocommerce.client import WooApi
from services.connectors.woocommerce.stock import WooStock
from tests.fakes.woocommerce import FakeWooCommerce, Store, running_fake

LONG_AGO = datetime.now(UTC) - timedelta(days=1)


@pytest.fixture
async def fake() -> AsyncIterator[FakeWooCommerce]:
    async with running_fake() as served:
        yield served


async def api_of(http: httpx.AsyncClient, store: Store, secret: str | None = None) -> WooApi:
    return WooApi(http, store.base_url, store.consumer_key, secret or store.consumer_secret)


async def test_wrong_keys_are_refused_with_woocommerces_own_error(fake: FakeWooCommerce) -> None:
    store = fake.store()
    async with httpx.AsyncClient() as http:
        api = await api_of(http, store, secret="cs_wrong")
        with pytest.raises(Refused, match="401 woocommerce_rest_cannot_view"):
            await api.orders_page(LONG_AGO, page=1, per_page=10)


async def test_orders_are_paged_with_the_wp_headers_least_recently_modified_first(
    fake: FakeWooCommerce,
) -> None:
    store = fake.store()
    placed = [store.new_order([("A", 1, "1.00")]) for _ in range(5)]
    store.change(placed[0]["id"], status="on-hold")  # now the most recently modified
    async with httpx.AsyncClient() as http:
        api = await api_of(http, store)
        first = await api.orders_page(LONG_AGO, page=1, per_page=2)
        last = await api.orders_page(LONG_AGO, page=3, per_page=2)

    assert (first.total, first.total_pages) == (5, 3)
    assert [o["id"] for o in first.orders] == [placed[1]["id"], placed[2]["id"]]
    assert [o["id"] for o in last.orders] == [placed[0]["id"]]


async def test_429_and_5xx_are_retry_later_with_the_hint(fake: FakeWooCommerce) -> None:
    store = fake.store()
    store.fail_next(1, 429, retry_after="2.5")
    store.fail_next(1, 503, retry_after=None)
    async with httpx.AsyncClient() as http:
        api = await api_of(http, store)
        with pytest.raises(RetryLater) as throttled:
            await api.orders_page(LONG_AGO, page=1, per_page=10)
        with pytest.raises(RetryLater) as unavailable:
            await api.orders_page(LONG_AGO, page=1, per_page=10)

    assert throttled.value.wait_seconds == 2.5 and unavailable.value.wait_seconds is None


async def test_a_retry_after_a_lost_answer_adds_no_second_note_and_completes_once(
    fake: FakeWooCommerce,
) -> None:
    store = fake.store()
    order = store.new_order([("A", 1, "1.00")])
    body = {
        "order_id": str(order["id"]),
        "tracking_number": "BRT000111",
        "note": fulfilment.note_text("BRT", "BRT000111", None),
        "complete": True,
    }
    async with httpx.AsyncClient() as http:
        api = await api_of(http, store)
        # the first try's note reached the store but its answer was lost
        await api.add_note(str(order["id"]), str(body["note"]), customer_note=True)
        first = await fulfilment.once(api, body)
        second = await fulfilment.once(api, body)

    assert first == second and first is not None
    assert len(store.notes[order["id"]]) == 1
    assert store.orders[order["id"]]["status"] == "completed"
    assert len(store.requests_to("PUT", f"/orders/{order['id']}")) == 1


async def test_a_cancelled_order_is_not_completed(fake: FakeWooCommerce) -> None:
    store = fake.store()
    order = store.new_order([("A", 1, "1.00")], status="cancelled")
    body = {"order_id": str(order["id"]), "tracking_number": "X1", "note": "Shipped."}
    async with httpx.AsyncClient() as http:
        with pytest.raises(Refused, match="cancelled"):
            await fulfilment.once(await api_of(http, store), body)
    assert store.requests_to("PUT", f"/orders/{order['id']}") == []


async def test_a_stock_level_that_moved_is_stale_and_one_that_did_not_is_set(
    fake: FakeWooCommerce,
) -> None:
    store = fake.store()
    product = store.add_product("SOAP-LAV", stock=4)
    async with httpx.AsyncClient() as http:
        shop = WooStock(await api_of(http, store))
        level = await shop.level("SOAP-LAV")
        product["stock_quantity"] = 3  # a sale in the store meanwhile
        with pytest.raises(StaleLevel):
            await shop.set_available(level, 9, reference="lotline://x")
        fresh = await shop.level("SOAP-LAV")
        await shop.set_available(fresh, 9, reference="lotline://x")

    assert (level.available, fresh.available, product["stock_quantity"]) == (4, 3, 9)
