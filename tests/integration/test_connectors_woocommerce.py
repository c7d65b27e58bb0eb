"""A WooCommerce store on the real PostgreSQL: its consumer key, consumer secret and webhook
secret are stored encrypted and never answered; a second registration is a conflict."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.main import create_app
from shared.settings import Settings


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


async def test_a_stores_secrets_are_stored_encrypted_and_never_answered(
    api: httpx.AsyncClient, connectors_engine: AsyncEngine
) -> None:
    shop = f"woo-{uuid.uuid4().hex[:8]}"
    secrets = {
        "consumer_key": f"ck_{uuid.uuid4().hex}",
        "consumer_secret": f"cs_{uuid.uuid4().hex}",
        "webhook_secret": f"wh-{uuid.uuid4().hex}",
    }
    body = {"shop": shop, "base_url": "https://bottega.example.it/", **secrets}

    created = await api.post("/api/woocommerce/stores", json=body)
    again = await api.post("/api/woocommerce/stores", json=body)
    plain_http = await api.post(
        "/api/woocommerce/stores",
        json={**body, "shop": f"{shop}-b", "base_url": "http://bottega.example.it"},
    )
    read = await api.get(f"/api/woocommerce/stores/{shop}")
    listed = await api.get("/api/shops")

    assert created.status_code == 201 and again.status_code == 409
    assert plain_http.status_code == 422
    assert read.json()["base_url"] == "https://bottega.example.it"
    answered = created.text + read.text + listed.text
    assert all(secret not in answered for secret in secrets.values())
    stored: list[str] = []
    async with connectors_engine.connect() as conn:
        for table in ("connectors_shop", "connectors_woocommerce_store"):
            rows = await conn.execute(sa.text(f"SELECT * FROM {table}"))
            stored.extend(str(value) for row in rows for value in row)
    everything = " ".join(stored)
    assert all(secret not in everything for secret in secrets.values())


async def test_a_webhook_for_an_unknown_store_is_401(api: httpx.AsyncClient) -> None:
    answer = await api.post("/webhooks/woocommerce/no-such-store", content=b"{}")
    assert answer.status_code == 401
