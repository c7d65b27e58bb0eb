"""Shopify orders kept in sync (issue 4) over real Kafka and PostgreSQL, with a fake shop
served over loopback HTTP: webhooks through the inbox, out-of-order and stale deliveries,
reconciliation of dropped webhooks, edits, cancellations and refunds mirrored into stock
and production, uninstalling, and a storm of throttled answers."""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e import shopify
from tests.e2e.conftest import eventually, json_of
from tests.e2e.test_cancellation_and_refusals import catalogue
from tests.e2e.test_make_to_order import order_status, production_order
from tests.e2e.test_skeleton_flow import Shop, new_item, new_shop, order_by_external_id
from tests.fakes.shopify_admin import FakeShopifyAdmin, running_fake
from tests.fakes.shopify_orders import (
    OPERATION,
    FakeOrdersListing,
    cancelled,
    edited,
    refund,
    rest_order,
    wire,
)

pytestmark = pytest.mark.e2e


@dataclass
class SyncedShop:
    shop: Shop
    admin: FakeShopifyAdmin
    listing: FakeOrdersListing

    @property
    def domain(self) -> str:
        return self.shop.domain


@pytest.fixture
async def synced_shop(gateway: httpx.AsyncClient) -> AsyncIterator[SyncedShop]:
    """A shop whose Admin API is a fake of its own (orders listing included)."""
    async with running_fake() as admin:
        listing = FakeOrdersListing(admin)
        shop = await new_shop(gateway)
        await json_of(
            await gateway.patch(
                f"/api/shops/{shop.domain}",
                json={"admin_api_url": admin.url, "access_token": admin.access_token},
            )
        )
        yield SyncedShop(shop, admin, listing)
        # disconnected before its fake goes: the suite's system would otherwise reconcile
        # it against a dead address every two seconds for the rest of the run
        await json_of(await gateway.patch(f"/api/shops/{shop.domain}", json={"access_token": None}))


async def deliver(
    gateway: httpx.AsyncClient,
    shop: Shop,
    topic: str,
    payload: dict[str, Any],
    *,
    webhook_id: str | None = None,
) -> httpx.Response:
    body = wire(payload)
    headers = shopify.headers(
        body, shop=shop.domain, secret=shop.secret, topic=topic, webhook_id=webhook_id
    )
    return await shopify.post(gateway, body, headers)


async def processed(gateway: httpx.AsyncClient, answer: httpx.Response, hdr_id: str) -> Any:
    """The delivery once the worker has processed it."""
    assert answer.status_code == 200, answer.text

    async def probe() -> Any:
        return (await gateway.get(f"/api/webhook-deliveries/{hdr_id}")).json()

    return await eventually(probe, lambda d: d.get("status") == "done")


async def get_json(gateway: httpx.AsyncClient, path: str, **params: str) -> Any:
    return await json_of(await gateway.get(path, params=params))


async def lots(gateway: httpx.AsyncClient, item: str) -> dict[str, tuple[str, str]]:
    rows = await json_of(await gateway.get("/api/lots", params={"item_code": item}))
    return {r["lot_code"]: (r["on_hand"], r["reserved"]) for r in rows}


async def reservations(gateway: httpx.AsyncClient, order_id: str) -> list[Any]:
    return list(
        await json_of(await gateway.get("/api/reservations", params={"order_id": order_id}))
    )


def has_status(*wanted: str) -> Any:
    return lambda o: o is not None and o["status"] in wanted


async def test_reconciliation_recovers_exactly_the_dropped_webhooks_and_duplicates_none(
    gateway, synced_shop
):
    sku = await new_item(gateway, synced_shop.shop, ("100", "2027-06-01"))
    orders = [rest_order([(sku, 1)]) for _ in range(20)]
    dropped = {o["id"] for o in orders[::4]}  # 5 of 20

    answers = [
        await deliver(gateway, synced_shop.shop, "orders/create", o)
        for o in orders
        if o["id"] not in dropped
    ]
    assert [a.status_code for a in answers] == [200] * 15
    for order in orders:
        if order["id"] not in dropped:
            await eventually(
                functools.partial(order_status, gateway, str(order["id"])),
                has_status("ready_to_ship"),
            )
    for order in orders:  # the shop's listing holds all 20; the scheduled poll finds the 5
        synced_shop.listing.put(order)

    for order in orders:
        await eventually(
            functools.partial(order_by_external_id, gateway, str(order["id"])),
            lambda found: len(found) == 1 and found[0]["status"] == "ready_to_ship",
        )
    again = await json_of(await gateway.post(f"/api/shops/{synced_shop.domain}/reconcile"))

    assert (again["orders_seen"], again["orders_applied"], again["error"]) == (20, 0, None)
    assert again["pages"] == 3  # 7 a page: the cursor was followed
    assert await lots(gateway, sku) == {f"{sku}-0": ("100", "20")}  # 20 orders, once each
    state = await json_of(await gateway.get(f"/api/shops/{synced_shop.domain}/reconciliation"))
    assert state["status"] == "ok" and state["watermark"] is not None


async def test_the_same_webhook_ten_times_at_once_makes_one_order_reserved_once(gateway):
    shop = await new_shop(gateway)
    sku = await new_item(gateway, shop, ("50", "2027-06-01"))
    order = rest_order([(sku, 3)])
    webhook_id = str(uuid.uuid4())

    same = await asyncio.gather(
        *(deliver(gateway, shop, "orders/create", order, webhook_id=webhook_id) for _ in range(10))
    )
    resent = await asyncio.gather(
        *(deliver(gateway, shop, "orders/create", order) for _ in range(10))
    )

    assert sorted(a.json()["status"] for a in same) == ["accepted"] + ["duplicate"] * 9
    assert [a.json()["status"] for a in resent] == ["accepted"] * 10  # new ids, same order
    await eventually(
        functools.partial(order_status, gateway, str(order["id"])), has_status("ready_to_ship")
    )
    for answer in resent:
        hdr = answer.request.headers["x-shopify-webhook-id"]
        assert (await processed(gateway, answer, hdr))["outcome"] == "stale"
    assert len(await order_by_external_id(gateway, str(order["id"]))) == 1
    assert await lots(gateway, sku) == {f"{sku}-0": ("50", "3")}


async def test_an_update_older_than_the_stored_state_changes_nothing(gateway):
    shop = await new_shop(gateway)
    sku = await new_item(gateway, shop, ("50", "2027-06-01"))
    order = rest_order([(sku, 5)])
    await deliver(gateway, shop, "orders/create", order)
    await eventually(
        functools.partial(order_status, gateway, str(order["id"])), has_status("ready_to_ship")
    )
    older = edited(order, {0: 1})
    older["updated_at"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    answer = await deliver(gateway, shop, "orders/updated", older)

    delivery = await processed(gateway, answer, answer.request.headers["x-shopify-webhook-id"])
    assert delivery["outcome"] == "stale"
    stored = await order_status(gateway, str(order["id"]))
    assert stored["status"] == "ready_to_ship"
    assert [line["quantity"] for line in stored["lines"]] == ["5"]
    assert await lots(gateway, sku) == {f"{sku}-0": ("50", "5")}


async def test_a_cancel_before_the_create_ends_cancelled_and_reserves_nothing(gateway):
    shop = await new_shop(gateway)
    sku = await new_item(gateway, shop, ("50", "2027-06-01"))
    order = rest_order([(sku, 4)])

    first = await deliver(gateway, shop, "orders/cancelled", cancelled(order))
    await processed(gateway, first, first.request.headers["x-shopify-webhook-id"])
    late = await deliver(gateway, shop, "orders/create", order)
    late_delivery = await processed(gateway, late, late.request.headers["x-shopify-webhook-id"])

    assert late_delivery["outcome"] == "stale"
    final = await eventually(
        functools.partial(order_status, gateway, str(order["id"])), has_status("cancelled")
    )
    assert final["status"] == "cancelled"
    assert await reservations(gateway, final["id"]) == []
    timeline = await json_of(await gateway.get(f"/api/orders/{final['id']}/timeline"))
    statuses = [e.get("status") for e in timeline if e.get("status")]
    assert "ready_to_ship" not in statuses
    assert await lots(gateway, sku) == {f"{sku}-0": ("50", "0")}


async def test_a_quantity_edit_shrinks_the_reservation_latest_expiry_first(gateway):
    shop = await new_shop(gateway)
    sku = await new_item(gateway, shop, ("3", "2027-01-01"), ("5", "2027-06-01"))
    order = rest_order([(sku, 5)])
    await deliver(gateway, shop, "orders/create", order)
    placed = await eventually(
        functools.partial(order_status, gateway, str(order["id"])), has_status("ready_to_ship")
    )
    assert await lots(gateway, sku) == {f"{sku}-0": ("3", "3"), f"{sku}-1": ("5", "2")}

    await deliver(gateway, shop, "orders/updated", edited(order, {0: 2}))

    await eventually(
        functools.partial(lots, gateway, sku),
        lambda ls: ls == {f"{sku}-0": ("3", "2"), f"{sku}-1": ("5", "0")},
    )
    copy = await eventually(
        functools.partial(reservations, gateway, placed["id"]),
        lambda rs: sum(float(r["quantity"]) for r in rs) == 2,
    )
    assert {r["lot_code"] for r in copy} == {f"{sku}-0"}
    stored = await order_status(gateway, str(order["id"]))
    assert [line["quantity"] for line in stored["lines"]] == ["2"]
    assert stored["status"] == "ready_to_ship"


async def test_an_edit_cancels_a_production_order_not_started_that_no_longer_serves_anyone(
    gateway,
):
    oil, soap = await catalogue(gateway, uuid.uuid4().hex[:5].upper())  # 2 bars in stock
    shop = await new_shop(gateway)
    await json_of(
        await gateway.put(f"/api/shops/{shop.domain}/sku-mappings/{soap}", json={"item_code": soap})
    )
    order = rest_order([(soap, 5)])
    await deliver(gateway, shop, "orders/create", order)
    waiting = await eventually(
        functools.partial(order_status, gateway, str(order["id"])),
        has_status("materials_reserved"),
    )
    [link] = waiting["production_orders"]

    await deliver(gateway, shop, "orders/updated", edited(order, {0: 2}))

    await eventually(
        functools.partial(production_order, gateway, link["production_order_id"]),
        lambda po: po["status"] == "cancelled",
    )
    await eventually(
        functools.partial(lots, gateway, oil), lambda ls: all(r == "0" for _, r in ls.values())
    )
    assert await lots(gateway, soap) == {f"{soap}-A": ("2", "2")}  # the 2 still wanted


async def ship_everything(gateway: httpx.AsyncClient, order_id: str) -> Any:
    return await json_of(
        await gateway.post(
            f"/api/orders/{order_id}/shipments",
            json={"carrier": "manual", "tracking_number": "TRK-1"},
        )
    )


async def test_a_refund_with_restock_returns_stock_to_the_lot_it_shipped_from_once(gateway):
    shop = await new_shop(gateway)
    sku = await new_item(gateway, shop, ("10", "2027-06-01"))
    order = rest_order([(sku, 3)])
    await deliver(gateway, shop, "orders/create", order)
    placed = await eventually(
        functools.partial(order_status, gateway, str(order["id"])), has_status("ready_to_ship")
    )
    await ship_everything(gateway, placed["id"])
    await eventually(
        functools.partial(lots, gateway, sku), lambda ls: ls == {f"{sku}-0": ("7", "0")}
    )
    returned = refund(order, {0: 2})

    first = await deliver(gateway, shop, "refunds/create", returned)
    again = await deliver(gateway, shop, "refunds/create", returned)  # Shopify's retry, new id

    await eventually(
        functools.partial(lots, gateway, sku), lambda ls: ls == {f"{sku}-0": ("9", "0")}
    )
    outcomes = [
        (await processed(gateway, a, a.request.headers["x-shopify-webhook-id"]))["outcome"]
        for a in (first, again)
    ]
    assert outcomes == ["restocked", "refund_recorded"]
    assert await lots(gateway, sku) == {f"{sku}-0": ("9", "0")}
    assert await json_of(await gateway.get("/api/ledger/mismatches")) == []


async def test_a_shop_restocking_to_quarantine_gets_a_quarantine_lot_never_reserved(gateway):
    shop = await new_shop(gateway)
    await json_of(
        await gateway.patch(f"/api/shops/{shop.domain}", json={"restock_to": "quarantine"})
    )
    sku = await new_item(gateway, shop, ("3", "2027-06-01"))
    order = rest_order([(sku, 3)])
    await deliver(gateway, shop, "orders/create", order)
    placed = await eventually(
        functools.partial(order_status, gateway, str(order["id"])), has_status("ready_to_ship")
    )
    await ship_everything(gateway, placed["id"])

    await deliver(gateway, shop, "refunds/create", refund(order, {0: 1}))
    await eventually(
        functools.partial(lots, gateway, sku),
        lambda ls: ls == {f"{sku}-0": ("0", "0"), f"{sku}-0-Q": ("1", "0")},
    )
    next_order = rest_order([(sku, 1)])
    await deliver(gateway, shop, "orders/create", next_order)

    short = await eventually(
        functools.partial(order_status, gateway, str(next_order["id"])),
        has_status("awaiting_production"),
    )
    assert short["status"] == "awaiting_production"  # the quarantined piece is not sold
    assert (await lots(gateway, sku))[f"{sku}-0-Q"] == ("1", "0")


async def test_an_uninstalled_shop_is_refused_and_never_called_again(gateway, synced_shop):
    sku = await new_item(gateway, synced_shop.shop, ("10", "2027-06-01"))
    order = rest_order([(sku, 1)])
    await deliver(gateway, synced_shop.shop, "orders/create", order)
    placed = await eventually(
        functools.partial(order_status, gateway, str(order["id"])), has_status("ready_to_ship")
    )
    gone = await deliver(
        gateway, synced_shop.shop, "app/uninstalled", {"id": 548380009, "name": "Super Toys"}
    )
    assert gone.status_code == 200

    def calls() -> int:  # reconciliation and write-backs (stock push may be mid-call)
        admin = synced_shop.admin
        write_backs = admin.requests_for("order") + admin.requests_for("fulfillmentCreate")
        return len(write_backs) + len(synced_shop.listing.requests)

    calls_before = calls()

    later = await deliver(gateway, synced_shop.shop, "orders/create", rest_order([(sku, 1)]))
    reconcile = await gateway.post(f"/api/shops/{synced_shop.domain}/reconcile")
    await ship_everything(gateway, placed["id"])
    dead = await eventually(
        functools.partial(get_json, gateway, "/api/write-backs", status="dead"),
        lambda rows: any(r["external_id"] == str(order["id"]) for r in rows),
    )

    assert later.status_code == 410 and "uninstalled" in later.json()["detail"]
    assert reconcile.status_code == 409
    [write_back] = [r for r in dead if r["external_id"] == str(order["id"])]
    assert "uninstalled" in write_back["last_error"]
    shops = await json_of(await gateway.get("/api/shops"))
    assert next(s for s in shops if s["domain"] == synced_shop.domain)["uninstalled_at"]
    assert calls() == calls_before


async def test_a_throttling_storm_ends_with_every_order_in_or_the_run_dead_and_none_lost(
    gateway, synced_shop
):
    sku = await new_item(gateway, synced_shop.shop, ("100", "2027-06-01"))
    admin = synced_shop.admin
    shipped = rest_order([(sku, 2)])  # its fulfilment write-back meets the storm too
    line = shipped["line_items"][0]
    admin.add_order(str(shipped["id"]), [(str(line["id"]), sku, 2)])
    synced_shop.listing.put(shipped)
    await deliver(gateway, synced_shop.shop, "orders/create", shipped)
    placed = await eventually(
        functools.partial(order_status, gateway, str(shipped["id"])), has_status("ready_to_ship")
    )
    admin.throttle_next(2, operation="order")  # GraphQL THROTTLED: HTTP 200, bucket empty
    admin.fail_next(429, 1, operation="fulfillmentCreate", retry_after=0.1)
    # five failures in a row, one short of the budget of six tries
    admin.fail_next(429, 2, operation=OPERATION, retry_after=0.15)  # fractional Retry-After
    admin.fail_next(503, 1, operation=OPERATION)
    admin.fail_next(502, 1, operation=OPERATION)
    admin.fail_next(429, 1, operation=OPERATION, retry_after=0.05)
    batch = [rest_order([(sku, 1)]) for _ in range(15)]
    for order in batch:
        synced_shop.listing.put(order)
    await ship_everything(gateway, placed["id"])

    for order in batch:
        await eventually(
            functools.partial(order_by_external_id, gateway, str(order["id"])),
            lambda found: len(found) == 1,
        )
    statuses = [status for _, status in synced_shop.listing.requests]
    assert (statuses.count(429), statuses.count(503), statuses.count(502)) == (3, 1, 1)
    fulfilled = await eventually(
        lambda: asyncio.sleep(0, result=admin.fulfillments(str(shipped["id"]))),
        lambda found: len(found) == 1,
    )
    assert fulfilled[0].tracking_number == "TRK-1"
    assert len(admin.requests_for("order")) >= 3  # two THROTTLED, then answered
    assert [r.status for r in admin.requests_for("fulfillmentCreate")][:2] == [429, 200]

    admin.fail_always(503)
    outage = [rest_order([(sku, 1)]) for _ in range(4)]
    for order in outage:
        synced_shop.listing.put(order)
    state = await eventually(
        functools.partial(get_json, gateway, f"/api/shops/{synced_shop.domain}/reconciliation"),
        lambda s: s["status"] == "dead",
    )
    assert "HTTP 503" in state["last_error"]
    assert all([await order_by_external_id(gateway, str(o["id"])) == [] for o in outage])

    admin.recover()
    run = await json_of(await gateway.post(f"/api/shops/{synced_shop.domain}/reconcile"))

    assert run["error"] is None
    for order in outage:
        await eventually(
            functools.partial(order_by_external_id, gateway, str(order["id"])),
            lambda found: len(found) == 1,
        )
    # Inventory reserves after orders has the order: wait for the last reservation.
    stock = await eventually(
        functools.partial(lots, gateway, sku), lambda found: found[f"{sku}-0"] == ("98", "19")
    )
    assert stock[f"{sku}-0"] == ("98", "19")  # 2 shipped, 19 reserved, none twice


async def test_webhooks_answered_just_before_connectors_is_killed_are_all_processed(
    gateway, system
):
    shop = await new_shop(gateway)
    sku = await new_item(gateway, shop, ("50", "2027-06-01"))
    orders = [rest_order([(sku, 1)]) for _ in range(12)]

    answers = [await deliver(gateway, shop, "orders/create", o) for o in orders]
    system.kill("connectors")  # SIGKILL: whatever the worker had not committed is undone
    system.start("connectors")
    await system.wait_ready("connectors")

    assert [a.status_code for a in answers] == [200] * 12
    for order in orders:
        await eventually(
            functools.partial(order_by_external_id, gateway, str(order["id"])),
            lambda found: len(found) == 1 and found[0]["status"] == "ready_to_ship",
        )
    assert await lots(gateway, sku) == {f"{sku}-0": ("50", "12")}
