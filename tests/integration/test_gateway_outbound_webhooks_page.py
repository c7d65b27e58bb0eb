"""The Channels page's outbound webhooks: the subscriptions with their counts, a notice for
one disabled after repeated failures, its dead deliveries, and enable / replay for admins
only (forwarded to the connectors' API)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from starlette.middleware.base import RequestResponseEndpoint

from services.gateway.access.principal import Level, Principal
from services.gateway.dashboard.live_feed import LiveFeed
from services.gateway.dashboard.pages import channels, outbound_webhooks
from services.gateway.dashboard.upstream import Upstream
from services.gateway.routes import SERVICES
from shared.settings import Settings
from tests.fakes.services_api import FakeServices
from tests.integration.test_gateway_floor_pages import person
from tests.unit.gateway.test_translations import english_left_in

HOOK = str(uuid.uuid4())
NEW_SECRET = "whsec_the-new-one-shown-once"
DEAD = str(uuid.uuid4())


def channels_app(fake: FakeServices, principal: Principal) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def as_caller(request: Request, call_next: RequestResponseEndpoint) -> Response:
        request.state.principal = principal
        return await call_next(request)

    app.include_router(channels.router)
    app.include_router(outbound_webhooks.router)
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    app.state.upstream = Upstream(client, {svc: f"http://{svc}.test" for svc in SERVICES})
    app.state.live = LiveFeed(Settings())
    return app


@pytest.fixture
def fake() -> FakeServices:
    services = FakeServices()
    for path in (
        "/api/shops",
        "/api/webhook-deliveries",
        "/api/write-backs",
        "/api/stock-sync",
        "/api/shelf-life-rules",
    ):
        services.on("GET", path, json=[])
    services.on(
        "GET",
        "/api/outbound-webhooks",
        json=[
            {
                "id": HOOK,
                "url": "https://erp.example.com/lotline",
                "event_types": ["order.received", "order.shipped"],
                "description": "ERP",
                "enabled": False,
                "disabled_reason": "5 deliveries in a row are dead; last: HTTP 500",
                "disabled_at": "2026-12-07T10:00:00+00:00",
                "consecutive_dead": 5,
                "created_at": "2026-12-01T10:00:00+00:00",
                "pending": 3,
                "done": 120,
                "dead": 5,
            }
        ],
    )
    services.on(
        "GET",
        "/api/outbound-webhooks/deliveries",
        json=[
            {
                "id": DEAD,
                "subscription_id": HOOK,
                "event_id": str(uuid.uuid4()),
                "event_type": "order.shipped",
                "ordering_key": "order:x",
                "status": "dead",
                "attempts": 15,
                "last_status_code": 500,
                "last_error": "15 attempts failed; last: HTTP 500",
                "first_tried_at": "2026-12-06T10:00:00+00:00",
                "due_at": "2026-12-07T10:00:00+00:00",
                "delivered_at": None,
                "created_at": "2026-12-06T10:00:00+00:00",
            }
        ],
    )
    services.on("POST", f"/api/outbound-webhooks/{HOOK}/enable", json={})
    services.on(
        "POST",
        f"/api/outbound-webhooks/{HOOK}/rotate-secret",
        json={
            "id": HOOK,
            "url": "https://erp.example.com/lotline",
            "secret": NEW_SECRET,
            "previous_secret_until": "2026-12-08T10:00:00+00:00",
        },
    )
    services.on("POST", f"/api/outbound-webhooks/deliveries/{DEAD}/replay", json={})
    return services


async def get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        return await http.get(path)


async def test_a_disabled_subscription_is_announced_with_its_reason_and_admins_may_enable_it(fake):
    page = await get(channels_app(fake, person(Level.ADMIN)), "/channels")

    assert page.status_code == 200
    text = page.text
    assert "Outbound webhook to https://erp.example.com/lotline is disabled" in text
    assert "5 deliveries in a row are dead" in text
    assert f'action="/channels/outbound-webhooks/{HOOK}/enable"' in text
    assert f'action="/channels/outbound-webhook-deliveries/{DEAD}/replay"' in text
    assert "15 attempts failed; last: HTTP 500" in text
    assert "order.received, order.shipped" in text


async def test_an_operator_sees_the_notice_but_no_enable_or_replay(fake):
    page = await get(channels_app(fake, person(Level.WRITE)), "/channels")

    assert "is disabled" in page.text
    assert "/enable" not in page.text and "outbound-webhook-deliveries" not in page.text


async def test_the_section_is_italian_for_an_italian_reader(fake):
    page = await get(channels_app(fake, person(Level.ADMIN, locale="it")), "/channels")

    assert "Webhook in uscita" in page.text
    assert "è disattivato" in page.text
    assert english_left_in(page.text) == []


async def test_enable_and_replay_are_forwarded_and_come_back_with_a_notice(fake):
    app = channels_app(fake, person(Level.ADMIN))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        enabled = await http.post(
            f"/channels/outbound-webhooks/{HOOK}/enable", data={"csrf_token": "the-csrf-token"}
        )
        replayed = await http.post(
            f"/channels/outbound-webhook-deliveries/{DEAD}/replay",
            data={"csrf_token": "the-csrf-token"},
        )

    assert (enabled.status_code, enabled.headers["location"]) == (
        303,
        "/channels?notice=webhook_enabled",
    )
    assert replayed.headers["location"] == "/channels?notice=replayed"
    posted = [(r.method, r.url.path) for r in fake.seen if r.method == "POST"]
    assert posted == [
        ("POST", f"/api/outbound-webhooks/{HOOK}/enable"),
        ("POST", f"/api/outbound-webhooks/deliveries/{DEAD}/replay"),
    ]


async def post(app: FastAPI, path: str, **data: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        return await http.post(path, data={"csrf_token": "the-csrf-token", **data})


async def test_rotating_the_secret_asks_first_then_shows_the_new_secret_once(fake):
    app = channels_app(fake, person(Level.ADMIN))
    rotate = f"/channels/outbound-webhooks/{HOOK}/rotate-secret"

    page = await get(app, "/channels")
    asked = await post(app, rotate)
    nothing_sent = [r for r in fake.seen if r.method == "POST"]
    shown = await post(app, rotate, confirmed="yes")

    assert f'action="{rotate}"' in page.text and "Rotate secret" in page.text
    assert asked.status_code == 200 and "https://erp.example.com/lotline" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text and NEW_SECRET not in asked.text
    assert nothing_sent == []
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    assert NEW_SECRET in shown.text and "shown this once" in shown.text
    posted = [(r.method, r.url.path) for r in fake.seen if r.method == "POST"]
    assert posted == [("POST", f"/api/outbound-webhooks/{HOOK}/rotate-secret")]
    assert NEW_SECRET not in (await get(app, "/channels")).text


async def test_an_operator_has_no_rotate_button_and_an_unknown_subscription_is_404(fake):
    page = await get(channels_app(fake, person(Level.WRITE)), "/channels")
    unknown = await post(
        channels_app(fake, person(Level.ADMIN)),
        f"/channels/outbound-webhooks/{uuid.uuid4()}/rotate-secret",
    )

    assert "rotate-secret" not in page.text
    assert unknown.status_code == 404 and "unknown webhook subscription" in unknown.text


async def test_the_rotation_pages_are_italian_for_an_italian_reader(fake):
    app = channels_app(fake, person(Level.ADMIN, locale="it"))
    rotate = f"/channels/outbound-webhooks/{HOOK}/rotate-secret"

    asked = await post(app, rotate)
    shown = await post(app, rotate, confirmed="yes")

    assert "Cambiare il segreto di firma" in asked.text and "Copia ora questo segreto" in shown.text
    assert english_left_in(asked.text) == [] and english_left_in(shown.text) == []
