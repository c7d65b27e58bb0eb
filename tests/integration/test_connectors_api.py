"""The connectors HTTP API on the real PostgreSQL: shops' Admin API access (the token is
never returned) and the operator's view of write-backs, with replay."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import rotate_secrets
from services.connectors import tables as t
from services.connectors.config import WriteBackSettings
from services.connectors.main import create_app
from services.connectors.write_back import shipped_orders
from shared import encryption
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
        "access_token_hint": None,
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
    assert created.json()["access_token_hint"] == "…irst"
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


async def test_a_nul_byte_in_a_secret_is_refused_and_no_shop_is_kept(api):
    shop = domain()

    answer = await api.post(
        "/api/shops", json={"domain": shop, "webhook_secret": "s3cret\u0000key"}
    )

    assert answer.status_code == 422
    assert "webhook_secret must not contain control characters" in answer.text
    assert "s3cret" not in answer.text  # the secret is never echoed back
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
    await apply_once(engine, shipped_orders.stage_for_shipment, Envelope.wrap(event), event)
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
        await shipped_orders.perform(
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


async def test_secrets_are_stored_encrypted_and_a_rotated_key_still_reads_them(
    api, connectors_engine: AsyncEngine
):
    shop = domain()
    await api.post(
        "/api/shops",
        json={"domain": shop, "webhook_secret": "s3cret-key", "access_token": "shpat_secret"},
    )
    raw = sa.select(
        sa.cast(t.shop.c.webhook_secret, sa.Text), sa.cast(t.shop.c.access_token, sa.Text)
    ).where(t.shop.c.domain == shop)

    async with connectors_engine.connect() as conn:
        stored = (await conn.execute(raw)).one()
        clear = (
            await conn.execute(
                sa.select(t.shop.c.webhook_secret, t.shop.c.access_token).where(
                    t.shop.c.domain == shop
                )
            )
        ).one()
        everything = " ".join(
            str(value)
            for row in await conn.execute(sa.text("SELECT * FROM connectors_shop"))
            for value in row
        )

    assert all(encryption.is_encrypted(value) for value in stored)
    assert "s3cret-key" not in everything and "shpat_secret" not in everything
    assert (clear[0], clear[1]) == ("s3cret-key", "shpat_secret")

    old = Settings().secrets.keys[0]
    new = Fernet.generate_key().decode()
    try:
        encryption.configure([new, old])
        async with connectors_engine.connect() as conn:
            assert (await conn.execute(clear_query(shop))).scalar_one() == "s3cret-key"
        assert await rotate_secrets.rotate_all(connectors_engine) >= 2
        encryption.configure([new])  # the old key is gone: rotated rows still read
        async with connectors_engine.connect() as conn:
            assert (await conn.execute(clear_query(shop))).scalar_one() == "s3cret-key"
            assert (await conn.execute(raw)).one()[0] != stored[0]
    finally:
        encryption.configure([old, new])
        await rotate_secrets.rotate_all(connectors_engine)  # back under the suite's key
        encryption.configure([old])


def clear_query(shop: str) -> sa.Select[Any]:
    return sa.select(t.shop.c.webhook_secret).where(t.shop.c.domain == shop)
