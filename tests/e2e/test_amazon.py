"""Amazon end to end: the whole system as processes over real Kafka and PostgreSQL, the
connectors polling the faithful Selling Partner API fake over loopback HTTP."""

from __future__ import annotations

import asyncio
import copy
import functools
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import eventually, json_of
from tests.fakes.amazon import FakeAmazon, order, order_id, order_item
from tests.fakes.amazon_sqs import FakeQueue, order_change

pytestmark = pytest.mark.e2e


async def connected_seller(gateway: httpx.AsyncClient, amazon: FakeAmazon) -> str:
    """A seller that authorised the app, registered with its LWA client and refresh token."""
    seller = amazon.seller()
    body = {
        "seller_id": seller.seller_id,
        "marketplace_ids": ["A1PA6795UKMFR9"],
        "region": "eu",
        "lwa_client_id": seller.client_id,
        "lwa_client_secret": seller.client_secret,
        "refresh_token": seller.refresh_token,
    }
    created = await json_of(await gateway.post("/api/amazon/sellers", json=body))
    assert created["authorised"] is True
    shown = (await gateway.get(f"/api/amazon/sellers/{seller.seller_id}")).text
    assert seller.refresh_token not in shown and seller.client_secret not in shown
    return seller.seller_id


async def stocked_item(gateway: httpx.AsyncClient, seller_id: str, quantity: str) -> str:
    code = f"SOAP-{uuid.uuid4().hex[:6].upper()}"
    await json_of(await gateway.post("/api/items", json={"code": code, "name": code}))
    await json_of(
        await gateway.put(
            f"/api/shops/amazon-{seller_id}/sku-mappings/{code}", json={"item_code": code}
        )
    )
    await json_of(
        await gateway.post(
            "/api/lots",
            json={
                "item_code": code,
                "lot_code": f"{code}-A",
                "quantity": quantity,
                "unit": "pc",
                "expires_on": "2028-06-30",
            },
        )
    )
    return code


async def poll(gateway: httpx.AsyncClient, seller_id: str) -> Any:
    return await json_of(await gateway.post(f"/api/amazon/sellers/{seller_id}/poll"))


async def lotline_orders(gateway: httpx.AsyncClient, amazon_order_id: str) -> list[Any]:
    answer = await gateway.get(
        "/api/orders", params={"channel": "amazon", "external_id": amazon_order_id}
    )
    return list(await json_of(answer))


async def order_status(gateway: httpx.AsyncClient, amazon_order_id: str) -> Any:
    found = await lotline_orders(gateway, amazon_order_id)
    return found[0] if found else None


async def seen(gateway: httpx.AsyncClient, seller_id: str, amazon_order_id: str) -> Any:
    rows = await json_of(await gateway.get(f"/api/amazon/sellers/{seller_id}/orders"))
    return next(r for r in rows if r["amazon_order_id"] == amazon_order_id)


async def lots(gateway: httpx.AsyncClient, item: str) -> dict[str, tuple[str, str]]:
    rows = await json_of(await gateway.get("/api/lots", params={"item_code": item}))
    return {r["lot_code"]: (r["on_hand"], r["reserved"]) for r in rows}


async def reservations(gateway: httpx.AsyncClient, lotline_id: str) -> list[Any]:
    answer = await gateway.get("/api/reservations", params={"order_id": lotline_id})
    return list(await json_of(answer))


def has_status(*wanted: str) -> Any:
    return lambda o: o is not None and o["status"] in wanted


async def test_twenty_amazon_orders_are_twenty_lotline_orders_and_a_second_poll_adds_none(
    gateway, amazon: FakeAmazon
):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "100")
    ids = [order_id() for _ in range(20)]
    for n, oid in enumerate(ids):
        items = [order_item(soap, 1 + n % 3, f"{(1 + n % 3) * 4.5:.2f}")]
        amazon.add_order(seller_id, order(oid, items), items)

    first = await poll(gateway, seller_id)
    second = await poll(gateway, seller_id)

    assert (first["orders"], first["published"]) == (20, 20)
    assert second["published"] == 0
    for oid in ids:
        placed = await eventually(
            functools.partial(order_status, gateway, oid), has_status("ready_to_ship")
        )
        assert placed["channel"] == "amazon" and placed["currency"] == "EUR"
        assert len(await lotline_orders(gateway, oid)) == 1
    one = await order_status(gateway, ids[1])
    assert (one["lines"][0]["quantity"], one["lines"][0]["unit_price"]) == ("2", "4.50")
    reserved = str(sum(1 + n % 3 for n in range(20)))
    assert await lots(gateway, soap) == {f"{soap}-A": ("100", reserved)}
    assert len(amazon.requests_to("GET", "/orderItems")) == 20  # items read once per order


async def test_an_order_seen_again_and_an_older_answer_after_a_newer_is_one_order_the_newer(
    gateway, amazon: FakeAmazon
):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "10")
    oid = order_id()
    items = [order_item(soap, 2, "19.80")]
    amazon.add_order(seller_id, order(oid, items), items)
    for _ in range(3):
        await poll(gateway, seller_id)
    placed = await eventually(
        functools.partial(order_status, gateway, oid), has_status("ready_to_ship")
    )
    older = copy.deepcopy(amazon.sellers[seller_id].orders[oid])

    amazon.update_order(seller_id, oid, OrderStatus="Canceled")
    await poll(gateway, seller_id)
    amazon.serve_stale_once(seller_id, older)  # a lagging answer: Unshipped, older date
    stale = await poll(gateway, seller_id)

    assert stale["published"] == 0
    final = await eventually(functools.partial(order_status, gateway, oid), has_status("cancelled"))
    assert final["id"] == placed["id"] and len(await lotline_orders(gateway, oid)) == 1
    recorded = await seen(gateway, seller_id, oid)
    assert (recorded["order_status"], recorded["outcome"]) == (
        "Canceled",
        "cancelled_after_publish",
    )


async def test_a_pending_order_is_no_demand_until_it_is_unshipped(gateway, amazon: FakeAmazon):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "5")
    oid = order_id()
    items = [order_item(soap, 3, "29.70")]
    amazon.add_order(seller_id, order(oid, items, status="Pending"), items)

    first = await poll(gateway, seller_id)

    assert first["published"] == 0
    assert (await seen(gateway, seller_id, oid))["outcome"] == "pending"
    assert await lotline_orders(gateway, oid) == []
    assert await lots(gateway, soap) == {f"{soap}-A": ("5", "0")}
    assert amazon.requests_to("GET", f"/{oid}/orderItems") == []  # not read while Pending

    amazon.update_order(seller_id, oid, OrderStatus="Unshipped")
    second = await poll(gateway, seller_id)

    assert second["published"] == 1
    await eventually(functools.partial(order_status, gateway, oid), has_status("ready_to_ship"))
    assert await lots(gateway, soap) == {f"{soap}-A": ("5", "3")}


async def test_a_cancellation_after_reservation_releases_it(gateway, amazon: FakeAmazon):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "6")
    oid = order_id()
    items = [order_item(soap, 4, "39.60")]
    amazon.add_order(seller_id, order(oid, items), items)
    await poll(gateway, seller_id)
    placed = await eventually(
        functools.partial(order_status, gateway, oid), has_status("ready_to_ship")
    )
    assert await lots(gateway, soap) == {f"{soap}-A": ("6", "4")}

    amazon.update_order(seller_id, oid, OrderStatus="Canceled")
    cancelled = await poll(gateway, seller_id)

    assert cancelled["cancelled"] == 1
    await eventually(functools.partial(order_status, gateway, oid), has_status("cancelled"))
    await eventually(functools.partial(lots, gateway, soap), lambda ls: ls[f"{soap}-A"][1] == "0")
    assert await reservations(gateway, placed["id"]) == []
    again = await poll(gateway, seller_id)
    assert again["cancelled"] == 0  # mirrored once


async def test_an_fba_order_is_recorded_as_an_amazon_sale_and_reserves_no_factory_lot(
    gateway, amazon: FakeAmazon
):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "8")
    fba, mfn, unpaid = order_id(), order_id(), order_id()
    fba_items, mfn_items = [order_item(soap, 5, "49.50")], [order_item(soap, 1, "9.90")]
    unpaid_items = [order_item(soap, 2, "19.80")]
    amazon.add_order(seller_id, order(fba, fba_items, fulfillment_channel="AFN"), fba_items)
    amazon.add_order(seller_id, order(mfn, mfn_items), mfn_items)
    amazon.add_order(
        seller_id,
        order(unpaid, unpaid_items, status="Pending", fulfillment_channel="AFN"),
        unpaid_items,
    )

    result = await poll(gateway, seller_id)

    assert result["published"] == 1
    await eventually(functools.partial(order_status, gateway, mfn), has_status("ready_to_ship"))
    sale = await seen(gateway, seller_id, fba)
    assert (sale["outcome"], sale["fulfillment_channel"]) == ("fba_sale", "AFN")
    assert (sale["total_amount"], sale["total_currency"]) == ("49.50", "EUR")
    assert await lotline_orders(gateway, fba) == []
    assert await lots(gateway, soap) == {f"{soap}-A": ("8", "1")}  # the MFN order's piece only
    sales = await json_of(await gateway.get(f"/api/amazon/sellers/{seller_id}/fba-sales"))
    assert sales["totals"] == [{"currency": "EUR", "orders": 1, "amount": "49.50"}]
    assert sales["not_sold"] == 1  # the Pending one: not paid yet
    assert {s["amazon_order_id"] for s in sales["sales"]} == {fba, unpaid}


async def test_an_access_token_expiring_mid_run_is_refreshed_once_by_concurrent_callers(
    gateway, amazon: FakeAmazon
):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "20")
    await poll(gateway, seller_id)
    assert amazon.sellers[seller_id].refreshes == 1

    amazon.expire_access_tokens()  # the hour is up: Amazon answers 403 Unauthorized
    ids = [order_id() for _ in range(3)]
    for oid in ids:
        items = [order_item(soap, 1, "9.90")]
        amazon.add_order(seller_id, order(oid, items), items)
    polls = await asyncio.gather(*(poll(gateway, seller_id) for _ in range(4)))

    assert sum(p["published"] for p in polls) == 3
    assert amazon.sellers[seller_id].refreshes == 2  # one refresh for the four callers
    for oid in ids:
        await eventually(functools.partial(order_status, gateway, oid), has_status("ready_to_ship"))


async def test_throttled_and_failing_calls_are_retried_within_the_budget(
    gateway, amazon: FakeAmazon
):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "5")
    oid = order_id()
    items = [order_item(soap, 1, "9.90")]
    amazon.add_order(seller_id, order(oid, items), items)
    amazon.fail_next(429, 2, path_contains="/orderItems")
    amazon.fail_next(503, 1, path_contains="/orders/v0/orders")

    result = await poll(gateway, seller_id)

    assert result["published"] == 1
    await eventually(functools.partial(order_status, gateway, oid), has_status("ready_to_ship"))

    # A storm longer than the budget (4 tries): the poll fails, says why, moves nothing.
    before = (await json_of(await gateway.get(f"/api/amazon/sellers/{seller_id}")))[
        "orders_watermark"
    ]
    calls = len(amazon.requests_to("GET", "/orders/v0/orders"))
    amazon.fail_next(429, 10, path_contains="/orders/v0/orders")
    stormed = await gateway.post(f"/api/amazon/sellers/{seller_id}/poll")
    amazon.recover()

    assert stormed.status_code == 503, stormed.text
    assert len(amazon.requests_to("GET", "/orders/v0/orders")) - calls == 4
    shown = await json_of(await gateway.get(f"/api/amazon/sellers/{seller_id}"))
    assert "QuotaExceeded" in shown["last_poll_error"]
    assert shown["orders_watermark"] == before


async def test_a_revoked_authorisation_is_shown_on_the_seller_until_it_is_renewed(
    gateway, amazon: FakeAmazon
):
    seller_id = await connected_seller(gateway, amazon)
    amazon.revoke(seller_id)
    amazon.expire_access_tokens()

    refused = await gateway.post(f"/api/amazon/sellers/{seller_id}/poll")

    assert refused.status_code == 503
    shown = await json_of(await gateway.get(f"/api/amazon/sellers/{seller_id}"))
    assert shown["authorised"] is False and shown["revoked_at"] is not None
    assert "refused the refresh token" in shown["revoked_reason"]
    assert "/authorisation" in shown["revoked_reason"]

    seller = amazon.sellers[seller_id]
    seller.revoked = False  # the seller authorised the app again
    renewed = await gateway.put(
        f"/api/amazon/sellers/{seller_id}/authorisation",
        json={
            "lwa_client_id": seller.client_id,
            "lwa_client_secret": seller.client_secret,
            "refresh_token": seller.refresh_token,
        },
    )
    assert (await json_of(renewed))["authorised"] is True
    assert (await poll(gateway, seller_id))["orders"] == 0


async def test_a_shipment_is_confirmed_once_with_its_tracking_number_under_throttling(
    gateway, amazon: FakeAmazon
):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "5")
    oid = order_id()
    items = [order_item(soap, 2, "19.80")]
    amazon.add_order(seller_id, order(oid, items), items)
    await poll(gateway, seller_id)
    placed = await eventually(
        functools.partial(order_status, gateway, oid), has_status("ready_to_ship")
    )
    # Throttled once, then confirmed at Amazon with the answer lost on the way back.
    amazon.fail_next(429, 1, path_contains="/shipmentConfirmation")
    amazon.lose_next_answer("/shipmentConfirmation")

    tracking = f"JD{uuid.uuid4().int % 10**18:018d}"
    await json_of(
        await gateway.post(
            f"/api/orders/{placed['id']}/shipments",
            json={"carrier": "manual", "service": "DHL", "tracking_number": tracking},
        )
    )

    timeline = await eventually(
        lambda: json_of_timeline(gateway, placed["id"]),
        lambda entries: any(e["kind"] == "channel.fulfilled" for e in entries),
    )
    assert timeline
    packages = amazon.packages(seller_id, oid)
    assert len(packages) == 1
    package = packages[0]
    assert (package["trackingNumber"], package["carrierCode"]) == (tracking, "DHL")
    assert package["orderItems"] == [{"orderItemId": items[0]["OrderItemId"], "quantity": 2}]
    confirms = amazon.requests_to("POST", f"/{oid}/shipmentConfirmation")
    assert [r.status for r in confirms] == [429, 500]  # the retry read Shipped and stopped
    assert amazon.sellers[seller_id].orders[oid]["OrderStatus"] == "Shipped"


async def json_of_timeline(gateway: httpx.AsyncClient, lotline_id: str) -> Any:
    return await json_of(await gateway.get(f"/api/orders/{lotline_id}/timeline"))


# -- ORDER_CHANGE notifications through the SQS queue (moto in server mode) -------------------


async def queue_drained(queue: FakeQueue) -> None:
    """Every message sent was received and deleted: deleted only after its order's
    transaction committed, so whatever the notifications caused is recorded."""
    await eventually(queue.depth, lambda depth: depth == 0)


async def recorded_ids(gateway: httpx.AsyncClient, seller_id: str) -> set[str]:
    rows = await json_of(
        await gateway.get(f"/api/amazon/sellers/{seller_id}/orders", params={"limit": 1000})
    )
    return {r["amazon_order_id"] for r in rows}


async def test_notified_orders_arrive_at_once_and_the_next_poll_adds_exactly_the_others(
    gateway, amazon: FakeAmazon, amazon_queue: FakeQueue
):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "100")
    ids = [order_id() for _ in range(20)]
    for oid in ids:
        items = [order_item(soap, 1, "4.50")]
        amazon.add_order(seller_id, order(oid, items), items)
    notified, dropped = ids[:15], ids[15:]

    await amazon_queue.send(
        *(order_change(seller_id, amazon.sellers[seller_id].orders[oid]) for oid in notified)
    )
    await queue_drained(amazon_queue)

    assert await recorded_ids(gateway, seller_id) == set(notified)
    for oid in notified:
        await eventually(functools.partial(order_status, gateway, oid), has_status("ready_to_ship"))
        assert len(await lotline_orders(gateway, oid)) == 1
    for oid in dropped:
        assert await lotline_orders(gateway, oid) == []

    caught_up = await poll(gateway, seller_id)

    assert (caught_up["orders"], caught_up["published"]) == (20, 5)
    for oid in dropped:
        await eventually(functools.partial(order_status, gateway, oid), has_status("ready_to_ship"))
    for oid in ids:
        assert len(await lotline_orders(gateway, oid)) == 1
    assert await lots(gateway, soap) == {f"{soap}-A": ("100", "20")}


async def test_a_notification_delivered_five_times_is_one_order_and_an_older_answer_moves_nothing(
    gateway, amazon: FakeAmazon, amazon_queue: FakeQueue
):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "10")
    oid = order_id()
    items = [order_item(soap, 2, "19.80")]
    amazon.add_order(seller_id, order(oid, items), items)
    same = order_change(seller_id, amazon.sellers[seller_id].orders[oid])

    await amazon_queue.send(*[same] * 5)
    await queue_drained(amazon_queue)

    placed = await eventually(
        functools.partial(order_status, gateway, oid), has_status("ready_to_ship")
    )
    assert len(await lotline_orders(gateway, oid)) == 1
    assert len(amazon.requests_to("GET", f"/{oid}/orderItems")) == 1  # published once
    assert await lots(gateway, soap) == {f"{soap}-A": ("10", "2")}

    # Cancelled at Amazon and notified; then a notification whose getOrder is answered by
    # a lagging replica with the older Unshipped copy: the newer state stays.
    older = copy.deepcopy(amazon.sellers[seller_id].orders[oid])
    cancelled = amazon.update_order(seller_id, oid, OrderStatus="Canceled")
    await amazon_queue.send(order_change(seller_id, cancelled))
    await queue_drained(amazon_queue)
    await eventually(functools.partial(order_status, gateway, oid), has_status("cancelled"))

    amazon.serve_stale_get_once(seller_id, older)
    reads = len(amazon.requests_to("GET", f"/orders/v0/orders/{oid}"))
    await amazon_queue.send(order_change(seller_id, older))
    await queue_drained(amazon_queue)

    assert len(amazon.requests_to("GET", f"/orders/v0/orders/{oid}")) == reads + 1
    assert amazon.sellers[seller_id].stale_get == {}  # the older copy was the answer
    recorded = await seen(gateway, seller_id, oid)
    assert (recorded["order_status"], recorded["outcome"]) == (
        "Canceled",
        "cancelled_after_publish",
    )
    final = await order_status(gateway, oid)
    assert final["id"] == placed["id"] and final["status"] == "cancelled"
    assert len(await lotline_orders(gateway, oid)) == 1
    await eventually(functools.partial(lots, gateway, soap), lambda ls: ls[f"{soap}-A"][1] == "0")


async def test_an_unreadable_message_is_deleted_and_the_next_one_still_read(
    gateway, amazon: FakeAmazon, amazon_queue: FakeQueue
):
    seller_id = await connected_seller(gateway, amazon)
    soap = await stocked_item(gateway, seller_id, "3")
    oid = order_id()
    items = [order_item(soap, 1, "9.90")]
    amazon.add_order(seller_id, order(oid, items), items)

    await amazon_queue.send(
        "not json at all",
        '{"NotificationType": "ANY_OFFER_CHANGED", "Payload": {}}',
        order_change(seller_id, amazon.sellers[seller_id].orders[oid]),
    )
    await queue_drained(amazon_queue)

    await eventually(functools.partial(order_status, gateway, oid), has_status("ready_to_ship"))


# -- stock push: the merchant-fulfilled quantity through the Listings Items API ---------------


async def recall(gateway: httpx.AsyncClient, lot_code: str) -> None:
    """The trace knows a lot once its receipt is projected: retry until it does."""

    async def attempt() -> httpx.Response:
        body = {"lot_code": lot_code, "reason": "wick fault"}
        return await gateway.post("/api/trace/recalls", json=body)

    await eventually(attempt, lambda a: a.status_code == 201, timeout=30)


async def add_lot(gateway: httpx.AsyncClient, item: str, lot_code: str, quantity: str) -> None:
    body = {
        "item_code": item,
        "lot_code": lot_code,
        "quantity": quantity,
        "unit": "pc",
        "expires_on": "2028-06-30",
    }
    await json_of(await gateway.post("/api/lots", json=body))


async def test_a_stock_change_patches_the_listing_quantity_once_and_a_recall_lowers_it(
    gateway, amazon: FakeAmazon
):
    seller_id = await connected_seller(gateway, amazon)
    code = f"WAX-{uuid.uuid4().hex[:6].upper()}"
    amazon.add_listing(seller_id, code)  # listed, no merchant-fulfilled quantity yet
    await json_of(await gateway.post("/api/items", json={"code": code, "name": code}))
    await json_of(
        await gateway.put(
            f"/api/shops/amazon-{seller_id}/sku-mappings/{code}", json={"item_code": code}
        )
    )
    patches = amazon.sellers[seller_id].listing_patches

    def quantities() -> list[int]:
        return [p["patches"][0]["value"][0]["quantity"] for p in patches if p["sku"] == code]

    async def shown() -> int | None:
        return amazon.listing_quantity(seller_id, code)

    await add_lot(gateway, code, f"{code}-A", "7")
    await eventually(shown, lambda q: q == 7)

    assert quantities() == [7]
    assert patches[0] == {
        "sku": code,
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}],
            }
        ],
    }
    patch_requests = amazon.requests_to("PATCH", f"/{seller_id}/{code}")
    assert [r.params["marketplaceIds"] for r in patch_requests] == ["A1PA6795UKMFR9"]

    await add_lot(gateway, code, f"{code}-B", "3")
    await eventually(shown, lambda q: q == 10)
    await recall(gateway, f"{code}-B")  # recalled stock is never offered

    await eventually(shown, lambda q: q == 7)
    assert quantities() == [7, 10, 7]


async def stock_sync_rows(gateway: httpx.AsyncClient, shop: str, sku: str) -> list[Any]:
    answer = await gateway.get("/api/stock-sync", params={"shop": shop, "sku": sku})
    return list(await json_of(answer))


async def test_a_throttled_listing_call_is_retried_and_an_edit_between_read_and_patch_is_read_again(
    gateway, amazon: FakeAmazon
):
    seller_id = await connected_seller(gateway, amazon)
    shop = f"amazon-{seller_id}"
    code = f"WAX-{uuid.uuid4().hex[:6].upper()}"
    probe = f"PROBE-{code}"  # no path of it contains the SKU's
    for sku in (code, probe):
        amazon.add_listing(seller_id, sku)
    await json_of(await gateway.post("/api/items", json={"code": code, "name": code}))
    await add_lot(gateway, code, f"{code}-A", "5")
    # The connectors know the lot once a SKU mapped to the item is meant to show 5.
    await json_of(
        await gateway.put(f"/api/shops/{shop}/sku-mappings/{probe}", json={"item_code": code})
    )
    await eventually(
        functools.partial(stock_sync_rows, gateway, shop, probe),
        lambda rows: bool(rows) and rows[0]["intended"] == 5,
    )
    amazon.fail_next(429, 2, path_contains=f"/listings/2021-08-01/items/{seller_id}/{code}")
    amazon.edit_after_next_read(seller_id, code, 1)  # edited in Seller Central meanwhile

    await json_of(
        await gateway.put(f"/api/shops/{shop}/sku-mappings/{code}", json={"item_code": code})
    )

    await eventually(lambda: _quantity(amazon, seller_id, code), lambda q: q == 5)
    reads = amazon.requests_to("GET", f"/{seller_id}/{code}")
    # throttled twice; read 0 (then edited to 1); the read before the patch saw 1: stale,
    # so the push read again (1), read once more before the patch (1), patched, read back
    assert [r.status for r in reads][:2] == [429, 429]
    assert len([r for r in reads if r.status == 200]) >= 4
    assert len(amazon.requests_to("PATCH", f"/{seller_id}/{code}")) == 1


async def _quantity(amazon: FakeAmazon, seller_id: str, sku: str) -> int | None:
    return amazon.listing_quantity(seller_id, sku)
