"""From ready to ship to delivered, over the real broker and databases, a real SMTP server
on loopback and faithful fakes of Sendcloud and the Shopify Admin API."""

from __future__ import annotations

import functools
import json
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e import shopify
from tests.e2e.conftest import AdminShop, Mailbox, eventually, json_of
from tests.e2e.test_make_to_order import order_status
from tests.e2e.test_skeleton_flow import external_id_of
from tests.fakes.sendcloud import FakeSendcloud
from tests.fakes.shopify_admin import FakeShopifyAdmin

pytestmark = pytest.mark.e2e


async def stocked_items(gateway: httpx.AsyncClient, domain: str) -> tuple[str, str]:
    tag = uuid.uuid4().hex[:5].upper()
    soap, honey = f"SOAP-{tag}", f"HONEY-{tag}"
    for code, lots in [
        (soap, [("A", "2", "2027-02-28"), ("B", "10", "2027-08-31")]),
        (honey, [("A", "5", "2028-01-31")]),
    ]:
        await json_of(await gateway.post("/api/items", json={"code": code, "name": code}))
        await json_of(
            await gateway.put(f"/api/shops/{domain}/sku-mappings/{code}", json={"item_code": code})
        )
        for suffix, qty, expires in lots:
            await json_of(
                await gateway.post(
                    "/api/lots",
                    json={
                        "item_code": code,
                        "lot_code": f"{code}-{suffix}",
                        "quantity": qty,
                        "unit": "pc",
                        "expires_on": expires,
                    },
                )
            )
    return soap, honey


def localised(body: bytes, *, locale: str, country: str, email: str) -> bytes:
    order = json.loads(body)
    order.update({"customer_locale": locale, "email": email})
    order["shipping_address"].update(
        {
            "country_code": country,
            "address1": "Via Po 3",
            "zip": "10123",
            "city": "Torino",
            "province_code": "TO",
        }
    )
    return json.dumps(order, separators=(",", ":")).replace("/", "\\/").encode()


async def ready_order(
    gateway, admin, domain, secret, lines, *, locale="it", country="IT", email=None
) -> tuple[dict[str, Any], dict[str, Any]]:
    email = email or f"{uuid.uuid4().hex[:8]}@example.org"
    body = localised(shopify.order_body(lines), locale=locale, country=country, email=email)
    raw = json.loads(body)
    admin.add_order(
        str(raw["id"]), [(str(li["id"]), li["sku"], li["quantity"]) for li in raw["line_items"]]
    )
    await shopify.post(gateway, body, shopify.headers(body, shop=domain, secret=secret))
    order = await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: o is not None and o["status"] == "ready_to_ship",
    )
    return order, raw


def mails_of_kind(mailbox: Mailbox, email: str, words: tuple[str, ...]) -> list[Any]:
    return [m for m in mailbox.to(email) if any(w in str(m["Subject"]) for w in words)]


async def test_a_ready_order_ships_in_two_parts_is_fulfilled_on_shopify_and_mailed_in_italian(
    gateway,
    mailbox: Mailbox,
    sendcloud: FakeSendcloud,
    shopify_admin: FakeShopifyAdmin,
    admin_shop: AdminShop,
):
    domain, secret = await admin_shop()
    soap, honey = await stocked_items(gateway, domain)
    email = f"giulia-{uuid.uuid4().hex[:6]}@example.org"
    order, raw = await ready_order(
        gateway, shopify_admin, domain, secret, [(soap, 4), (honey, 1)], email=email
    )

    first = await json_of(
        await gateway.post(
            f"/api/orders/{order['id']}/shipments",
            json={
                "carrier": "sendcloud",
                "lines": [{"line_no": 1, "quantity": "4"}],
                "parcels": [{"weight": "1.2", "unit": "kg"}],
            },
        )
    )

    assert [(x["lot_code"], x["quantity"]) for x in first["lots"]] == [
        (f"{soap}-A", "2"),
        (f"{soap}-B", "2"),
    ]  # earliest expiry first
    assert first["tracking_number"] and first["carrier"] == "sendcloud"
    await eventually(
        functools.partial(order_status, gateway, str(raw["id"])),
        lambda o: o["status"] == "partially_shipped",
    )
    await eventually(
        lambda: json_of_get(gateway, "/api/lots", {"item_code": soap}),
        lambda ls: (
            {x["lot_code"]: x["on_hand"] for x in ls} == {f"{soap}-A": "0", f"{soap}-B": "8"}
        ),
    )
    fulfilled = await eventually(
        lambda: _fulfillments(shopify_admin, str(raw["id"])), lambda fs: len(fs) == 1
    )
    assert fulfilled[0].tracking_number == first["tracking_number"]
    assert (fulfilled[0].tracking or {}).get("company") == "POSTNL"  # the courier, not "sendcloud"
    assert sum(q for _, q in fulfilled[0].lines) == 4  # only the soap line
    mails = await eventually(
        lambda: _mails(mailbox, email, ("in viaggio",)), lambda ms: len(ms) == 1
    )
    text = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert first["tracking_number"] in text
    assert mails[0].get_body(preferencelist=("html",)) is not None

    second = await json_of(
        await gateway.post(f"/api/orders/{order['id']}/shipments", json={"carrier": "sendcloud"})
    )
    assert [(x["lot_code"], x["quantity"]) for x in second["lots"]] == [(f"{honey}-A", "1")]
    await eventually(
        functools.partial(order_status, gateway, str(raw["id"])), lambda o: o["status"] == "shipped"
    )
    await eventually(lambda: _fulfillments(shopify_admin, str(raw["id"])), lambda fs: len(fs) == 2)

    for shipment in (first, second):
        parcel = int(shipment["carrier_reference"])
        await sendcloud.send_tracking_webhook(
            str(gateway.base_url.join("/webhooks/sendcloud")), parcel, 11
        )
    delivered = await eventually(
        functools.partial(order_status, gateway, str(raw["id"])),
        lambda o: o["status"] == "delivered",
    )
    assert delivered["status"] == "delivered"
    await eventually(lambda: _mails(mailbox, email, ("consegnato",)), lambda ms: len(ms) == 1)
    assert len(await _mails(mailbox, email, ("in viaggio",))) == 2
    timeline = await eventually(
        lambda: json_of_get(gateway, f"/api/orders/{order['id']}/timeline", {}),
        lambda es: sum(e["kind"] == "channel.fulfilled" for e in es) == 2,
    )
    kinds = [e["kind"] for e in timeline]
    assert kinds.count("shipment.dispatched") == 2 and kinds.count("shipment.delivered") == 2
    assert "status.delivered" in kinds and "notification.shipment_dispatched" in kinds
    slip = await gateway.get(f"/api/shipments/{first['id']}/packing-slip.pdf")
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF")
    label = await gateway.get(f"/api/shipments/{first['id']}/label.pdf")
    assert label.status_code == 200 and label.content.startswith(b"%PDF")


async def json_of_get(gateway: httpx.AsyncClient, path: str, params: dict[str, str]) -> Any:
    return await json_of(await gateway.get(path, params=params))


async def _fulfillments(admin: FakeShopifyAdmin, external_id: str) -> list[Any]:
    return admin.fulfillments(external_id)


async def _mails(mailbox: Mailbox, email: str, words: tuple[str, ...]) -> list[Any]:
    return mails_of_kind(mailbox, email, words)


async def test_an_english_customer_gets_english_mail(
    gateway,
    mailbox: Mailbox,
    shopify_admin: FakeShopifyAdmin,
    admin_shop: AdminShop,
):
    domain, secret = await admin_shop()
    soap, _ = await stocked_items(gateway, domain)
    email = f"jane-{uuid.uuid4().hex[:6]}@example.org"
    order, _ = await ready_order(
        gateway, shopify_admin, domain, secret, [(soap, 1)], locale="en", country="GB", email=email
    )

    await json_of(
        await gateway.post(
            f"/api/orders/{order['id']}/shipments",
            json={"carrier": "manual", "service": "Royal Mail", "tracking_number": "RM123456789GB"},
        )
    )

    mails = await eventually(
        lambda: _mails(mailbox, email, ("on its way",)),
        lambda ms: len(ms) == 1,
    )
    assert "RM123456789GB" in mails[0].get_body(preferencelist=("plain",)).get_content()
    assert not await _mails(mailbox, email, ("in viaggio",))


async def test_bad_shipments_are_refused_and_change_nothing(
    gateway,
    shopify_admin: FakeShopifyAdmin,
    admin_shop: AdminShop,
):
    domain, secret = await admin_shop()
    soap, _ = await stocked_items(gateway, domain)
    order, _ = await ready_order(gateway, shopify_admin, domain, secret, [(soap, 3)])
    path = f"/api/orders/{order['id']}/shipments"

    too_much = await gateway.post(
        path, json={"lines": [{"line_no": 1, "quantity": "4"}], "tracking_number": "X1"}
    )
    unknown = await gateway.post(path, json={"carrier": "pigeon", "tracking_number": "X1"})
    no_tracking = await gateway.post(path, json={"carrier": "manual"})
    await gateway.post(f"/api/orders/{order['id']}/cancel")
    not_ready = await gateway.post(path, json={"tracking_number": "X1"})

    assert too_much.status_code == 422 and "only 3 pc allocated" in too_much.text
    assert unknown.status_code == 422 and "pigeon" in unknown.text
    assert no_tracking.status_code == 422
    assert not_ready.status_code == 409 and "cancelled" in not_ready.text
    assert await json_of(await gateway.get(path)) == []
    twice = await gateway.post(
        path,
        json={
            "lines": [{"line_no": 1, "quantity": "1"}, {"line_no": 1, "quantity": "1"}],
            "tracking_number": "X1",
        },
    )
    assert twice.status_code == 422 and "named once" in twice.text
    lots = await json_of_get(gateway, "/api/lots", {"item_code": soap})
    assert sum(Decimal(x["on_hand"]) for x in lots) == Decimal(12)
