"""The connectors HTTP API on the real PostgreSQL: shops' Admin API access (the token is
never returned) and the operator's view of write-backs, with replay."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import write_back
from services.connectors.config import WriteBackSettings
from services.connectors.main import create_app
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.orders import ShipmentDispatched, ShippedLot
from shared.settings import Settings
from shared.units import Quantity


@pytest.fixture
async def api(
    settings: Settings, connectors_engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    await app.state.runtime.engine.dispose()
    app.state.runtime = SimpleNamespace(engine=connectors_engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://connectors") as client:
        yield client


def domain() -> str:
    return f"honey-{uuid.uuid4().hex[:8]}.myshopify.com"


async def test_a_shop_registered_without_admin_access_still_works_and_has_the_default_url(api):
    shop = domain()

    created = await api.post("/api/shops", json={"domain": shop, "webhook_secret": "s3cret-key"})

    assert created.status_code == 201
    assert created.json() | {"created_at": None} == {
        "domain": shop,
        "channel": "shopify",
        "created_at": None,
        "admin_api_url": f"https://{shop}/admin/api/2025-01/graphql.json",
        "has_access_token": False,
        "notify_customer": False,
        "restock_to": "origin_lot",
        "test_orders_live": False,
        "uninstalled_at": None,
    }


async def test_admin_access_is_set_on_registration_and_by_patch_and_the_token_never_returned(api):
    shop = domain()
    created = await api.post(
        "/api/shops",
        json={
            "domain": shop,
            "webhook_secret": "s3cret-key",
            "access_token": "shpat_first",
            "notify_customer": True,
        },
    )

    patched = await api.patch(
        f"/api/shops/{shop}",
        json={"admin_api_url": "http://127.0.0.1:9/admin/api/2025-01/graphql.json"},
    )
    cleared = await api.patch(
        f"/api/shops/{shop}", json={"access_token": None, "admin_api_url": None}
    )
    listed = await api.get("/api/shops")

    assert created.json()["has_access_token"] is True
    assert patched.json()["admin_api_url"] == "http://127.0.0.1:9/admin/api/2025-01/graphql.json"
    assert (patched.json()["has_access_token"], patched.json()["notify_customer"]) == (True, True)
    assert cleared.json()["has_access_token"] is False
    assert cleared.json()["admin_api_url"].startswith(f"https://{shop}/")
    for answer in (created, patched, cleared, listed):
        assert "shpat_first" not in answer.text
        assert '"access_token"' not in answer.text


@pytest.mark.parametrize(
    "body",
    [
        {"admin_api_url": "http://shop.example/admin/api/2025-01/graphql.json"},
        {"admin_api_url": "not a url"},
        {"notify_customer": True, "webhook_secret": "typo-field"},
    ],
)
async def test_unsafe_or_unknown_patches_are_refused(api, body):
    shop = domain()
    await api.post("/api/shops", json={"domain": shop, "webhook_secret": "s3cret-key"})

    answer = await api.patch(f"/api/shops/{shop}", json=body)

    assert answer.status_code == 422


@pytest.mark.parametrize(
    "access",
    [
        {"access_token": "shpat_\u00e9t\u00e9"},  # not ASCII: no header can carry it
        {"access_token": "shpat 123"},
        {"admin_api_url": "https://shop.example/admin\u0007/graphql.json"},
    ],
)
async def test_a_token_or_url_no_request_can_carry_is_refused_and_no_shop_is_kept(api, access):
    shop = domain()

    answer = await api.post(
        "/api/shops", json={"domain": shop, "webhook_secret": "s3cret-key"} | access
    )

    assert answer.status_code == 422
    assert shop not in [s["domain"] for s in (await api.get("/api/shops")).json()]


async def test_a_nul_byte_postgresql_cannot_store_is_refused_and_no_shop_is_kept(api):
    shop = domain()

    answer = await api.post(
        "/api/shops", json={"domain": shop, "webhook_secret": "s3cret\u0000key"}
    )

    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("invalid value: ")
    assert shop not in [s["domain"] for s in (await api.get("/api/shops")).json()]


async def test_patching_an_unknown_shop_is_404(api):
    answer = await api.patch(f"/api/shops/{domain()}", json={"notify_customer": True})

    assert answer.status_code == 404


async def dead_write_back(engine: AsyncEngine) -> ShipmentDispatched:
    """A write-back born dead (no line item id), which needs no Shopify to get there."""
    event = ShipmentDispatched(
        order_id=uuid.uuid4(),
        shipment_id=uuid.uuid4(),
        channel="shopify",
        shop=domain(),
        external_id="1",
        carrier="manual",
        lots=(ShippedLot(line_no=1, item_code="X", lot_code="L", quantity=Quantity.of(1, "pc")),),
        completes_order=True,
    )
    await apply_once(engine, write_back.stage_for_shipment, Envelope.wrap(event), event)
    return event


async def test_an_operator_lists_dead_write_backs_and_replays_one_once(api, connectors_engine):
    event = await dead_write_back(connectors_engine)
    dead = [
        w
        for w in (await api.get("/api/write-backs?status=dead")).json()
        if w["shipment_id"] == str(event.shipment_id)
    ]
    [entry] = dead

    one = await api.get(f"/api/write-backs/{entry['id']}")
    replayed = await api.post(f"/api/write-backs/{entry['id']}/replay")
    again = await api.post(f"/api/write-backs/{entry['id']}/replay")
    pending = (await api.get("/api/write-backs", params={"status": "pending"})).json()
    async with httpx.AsyncClient() as http:  # settle it: no other test's worker meets it
        await write_back.perform(
            connectors_engine, http, WriteBackSettings(), write_back_id=uuid.UUID(entry["id"])
        )

    assert entry["status"] == "dead"
    assert entry["last_error"] == "line 1 has no Shopify line item id"
    assert entry["payload"]["tracking"]["company"] == "manual"
    assert one.json() == entry
    assert replayed.status_code == 200
    assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
    assert again.status_code == 409
    assert entry["id"] in {w["id"] for w in pending}


async def test_unknown_write_backs_and_statuses_are_refused(api):
    missing = uuid.uuid4()

    assert (await api.get(f"/api/write-backs/{missing}")).status_code == 404
    assert (await api.post(f"/api/write-backs/{missing}/replay")).status_code == 404
    assert (await api.get("/api/write-backs?status=lost")).status_code == 422
