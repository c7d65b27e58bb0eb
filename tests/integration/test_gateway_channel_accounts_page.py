"""WooCommerce stores and Amazon sellers on the Channels screens (issues 17 §3 and 19):
admins connect them (forwarded to the connectors' API), operators reconcile a store and
poll a seller, a viewer only reads; a refusal keeps the form but never a secret, and no
secret is ever written into a page."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from starlette.middleware.base import RequestResponseEndpoint

from services.gateway.access.policy import GATEWAY_RULES, SERVICE_RULES, Policy
from services.gateway.access.principal import Level, Principal
from services.gateway.dashboard.live_feed import LiveFeed
from services.gateway.dashboard.pages import channel_accounts, channels
from services.gateway.dashboard.upstream import Upstream
from services.gateway.routes import SERVICES
from shared.settings import Settings
from tests.fakes.services_api import FakeServices
from tests.integration.test_gateway_floor_pages import person
from tests.integration.test_gateway_shelf_life_page import post
from tests.unit.gateway.test_translations import english_left_in

CONSUMER_KEY = "ck_4f1e9a0c2b7d6e5f8a9b0c1d2e3f4a5b6c7d8e9f"
CONSUMER_SECRET = "cs_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
WEBHOOK_SECRET = "wh-secret-bottega-0123456789"
CLIENT_SECRET = "amzn1.oa2-cs.v1.client-secret-never-shown"
REFRESH_TOKEN = "Atzr|refresh-token-never-shown-0123456789"
SECRETS = (CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET, CLIENT_SECRET, REFRESH_TOKEN)


def shop(domain: str, channel: str) -> dict[str, object]:
    """A shop as ``GET /api/shops`` answers it."""
    return {
        "domain": domain,
        "channel": channel,
        "created_at": "2026-12-01T10:00:00+00:00",
        "admin_api_url": None,
        "has_access_token": True,
        "access_token_hint": None,
        "notify_customer": False,
        "restock_to": "origin_lot",
        "test_orders_live": False,
        "uninstalled_at": None,
    }


WOO_SHOP = shop("woo-bottega", "woocommerce")
AMAZON_SHOP = shop("amazon-A2EUQ1WTGCTBG2", "amazon")
STORE = {
    "shop": "woo-bottega",
    "base_url": "https://bottega.example.it",
    "consumer_key_hint": "8e9f",
    "webhook_path": "/webhooks/woocommerce/woo-bottega",
    "watermark": "2026-12-06T09:00:00+00:00",
    "last_reconciled_at": "2026-12-06T10:00:00+00:00",
    "last_error": None,
    "created_at": "2026-12-01T10:00:00+00:00",
}
SELLER = {
    "seller_id": "A2EUQ1WTGCTBG2",
    "domain": "amazon-A2EUQ1WTGCTBG2",
    "marketplace_ids": ["APJ6JRA9NG5V4", "A1PA6795UKMFR9"],
    "region": "eu",
    "lwa_client_id": "amzn1.application-oa2-client.bottega",
    "authorised": False,
    "revoked_at": "2026-12-06T08:00:00+00:00",
    "revoked_reason": "Login with Amazon refused the refresh token (invalid_grant); "
    "the seller must authorise the app again",
    "access_expires_at": None,
    "orders_watermark": "2026-12-06T07:00:00+00:00",
    "last_polled_at": "2026-12-06T07:30:00+00:00",
    "last_poll_error": None,
}
FBA = {
    "seller_id": "A2EUQ1WTGCTBG2",
    "totals": [{"currency": "EUR", "orders": 3, "amount": "74.70"}],
    "not_sold": 1,
    "sales": [],
}


def accounts_app(fake: FakeServices, principal: Principal) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def as_caller(request: Request, call_next: RequestResponseEndpoint) -> Response:
        request.state.principal = principal
        return await call_next(request)

    app.include_router(channels.router)
    app.include_router(channel_accounts.router)
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    app.state.upstream = Upstream(client, {svc: f"http://{svc}.test" for svc in SERVICES})
    app.state.live = LiveFeed(Settings())
    return app


@pytest.fixture
def fake() -> FakeServices:
    services = FakeServices()
    for path in (
        "/api/webhook-deliveries",
        "/api/write-backs",
        "/api/stock-sync",
        "/api/outbound-webhooks",
        "/api/outbound-webhooks/deliveries",
        "/api/shelf-life-rules",
        "/api/shops/.+/sku-mappings",
    ):
        services.on("GET", path, json=[])
    services.on("GET", "/api/shops", json=[WOO_SHOP, AMAZON_SHOP])
    services.on("GET", "/api/shops/.+/reconciliation", status=404, json={"detail": "never"})
    services.on("GET", "/api/woocommerce/stores/woo-bottega", json=STORE)
    services.on("GET", "/api/amazon/sellers/A2EUQ1WTGCTBG2", json=SELLER)
    services.on("GET", "/api/amazon/sellers/A2EUQ1WTGCTBG2/fba-sales", json=FBA)
    services.on("POST", "/api/woocommerce/stores", status=201, json=STORE)
    services.on("POST", "/api/amazon/sellers", status=201, json=SELLER)
    services.on("PUT", "/api/amazon/sellers/A2EUQ1WTGCTBG2/authorisation", json=SELLER)
    run = {"pages": 1, "orders_seen": 4, "published": 2, "cancelled": 0, "error": None}
    services.on("POST", "/api/woocommerce/stores/woo-bottega/reconcile", json=run)
    poll = {"pages": 1, "orders": 3, "published": 1, "cancelled": 0, "watermark": None}
    services.on("POST", "/api/amazon/sellers/A2EUQ1WTGCTBG2/poll", json=poll)
    return services


async def get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        return await http.get(path)


WOO_FORM = {
    "shop": "woo-bottega",
    "base_url": "https://bottega.example.it",
    "consumer_key": CONSUMER_KEY,
    "consumer_secret": CONSUMER_SECRET,
    "webhook_secret": WEBHOOK_SECRET,
}
AMAZON_FORM = {
    "seller_id": "A2EUQ1WTGCTBG2",
    "marketplace_ids": "APJ6JRA9NG5V4, A1PA6795UKMFR9",
    "region": "eu",
    "lwa_client_id": "amzn1.application-oa2-client.bottega",
    "lwa_client_secret": CLIENT_SECRET,
    "refresh_token": REFRESH_TOKEN,
}


def no_secret_in(html: str) -> bool:
    return not any(secret in html for secret in SECRETS)


# --- who may do what --------------------------------------------------------------------


def test_only_an_admin_may_connect_and_an_operator_may_reconcile_and_poll():
    policy = Policy((*SERVICE_RULES, *GATEWAY_RULES, *channels.RULES, *channel_accounts.RULES))

    def need(method: str, path: str) -> object:
        found = policy.match(method, path)
        return found.rule.need if found else None

    assert need("POST", "/channels/woocommerce-stores") is Level.ADMIN
    assert need("POST", "/channels/amazon-sellers") is Level.ADMIN
    assert need("POST", "/channels/shops/amazon-A2EUQ1WTGCTBG2/authorisation") is Level.ADMIN
    assert need("POST", "/channels/shops/woo-bottega/reconcile") is Level.WRITE
    assert need("POST", "/channels/shops/amazon-A2EUQ1WTGCTBG2/poll") is Level.WRITE


async def test_an_admin_sees_both_connect_forms_with_secrets_as_password_inputs(fake):
    page = await get(accounts_app(fake, person(Level.ADMIN)), "/channels")

    assert page.status_code == 200
    assert 'action="/channels/woocommerce-stores"' in page.text
    assert 'action="/channels/amazon-sellers"' in page.text
    for name in ("consumer_key", "consumer_secret", "webhook_secret"):
        assert f'name="{name}" type="password"' in page.text
    for name in ("lwa_client_secret", "refresh_token"):
        assert f'name="{name}" type="password"' in page.text


@pytest.mark.parametrize("level", [Level.READ, Level.WRITE])
async def test_a_viewer_or_an_operator_gets_no_connect_form(fake, level):
    page = await get(accounts_app(fake, person(level)), "/channels")

    assert page.status_code == 200
    assert "/channels/woocommerce-stores" not in page.text
    assert "/channels/amazon-sellers" not in page.text


# --- connecting -------------------------------------------------------------------------


async def test_connecting_a_store_forwards_it_and_opens_its_page(fake):
    answer = await post(
        accounts_app(fake, person(Level.ADMIN)), "/channels/woocommerce-stores", WOO_FORM
    )

    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/channels/shops/woo-bottega?notice=store_connected",
    )
    assert fake.body_of("POST", "/api/woocommerce/stores") == WOO_FORM


async def test_connecting_a_seller_forwards_its_marketplaces_as_a_list(fake):
    answer = await post(
        accounts_app(fake, person(Level.ADMIN)), "/channels/amazon-sellers", AMAZON_FORM
    )

    assert answer.headers["location"] == (
        "/channels/shops/amazon-A2EUQ1WTGCTBG2?notice=seller_connected"
    )
    assert fake.body_of("POST", "/api/amazon/sellers") == {
        **AMAZON_FORM,
        "marketplace_ids": ["APJ6JRA9NG5V4", "A1PA6795UKMFR9"],
    }


async def test_a_refused_store_keeps_the_form_but_never_its_secrets(fake):
    fake.on(
        "POST",
        "/api/woocommerce/stores",
        status=422,
        json={"detail": [{"loc": ["body", "base_url"], "msg": "must be https"}]},
    )
    form = {**WOO_FORM, "base_url": "http://bottega.example.it"}
    answer = await post(
        accounts_app(fake, person(Level.ADMIN)), "/channels/woocommerce-stores", form
    )

    assert answer.status_code == 422
    assert "base_url: must be https" in answer.text
    assert 'value="http://bottega.example.it"' in answer.text
    assert 'value="woo-bottega"' in answer.text
    assert no_secret_in(answer.text)


async def test_a_refused_seller_keeps_the_form_but_never_its_secrets(fake):
    fake.on(
        "POST",
        "/api/amazon/sellers",
        status=409,
        json={"detail": "shop amazon-A2EUQ1WTGCTBG2 is already registered"},
    )
    answer = await post(
        accounts_app(fake, person(Level.ADMIN)), "/channels/amazon-sellers", AMAZON_FORM
    )

    assert answer.status_code == 409
    assert "shop amazon-A2EUQ1WTGCTBG2 is already registered" in answer.text
    assert 'value="APJ6JRA9NG5V4, A1PA6795UKMFR9"' in answer.text
    assert no_secret_in(answer.text)


async def test_a_form_missing_a_secret_is_refused_before_anything_is_sent(fake):
    form = {**AMAZON_FORM, "refresh_token": ""}
    answer = await post(accounts_app(fake, person(Level.ADMIN)), "/channels/amazon-sellers", form)

    assert answer.status_code == 422
    assert "fill in every field" in answer.text
    assert fake.requests_to("POST", "/api/amazon/sellers") == []
    assert no_secret_in(answer.text)


# --- a store's and a seller's page ------------------------------------------------------


async def test_a_stores_page_shows_its_state_and_reconcile_for_an_operator(fake):
    page = await get(accounts_app(fake, person(Level.WRITE)), "/channels/shops/woo-bottega")

    assert page.status_code == 200
    assert "https://bottega.example.it" in page.text
    assert "…8e9f" in page.text
    assert "<code>/webhooks/woocommerce/woo-bottega</code>" in page.text
    assert 'action="/channels/shops/woo-bottega/reconcile"' in page.text


async def test_a_viewer_reads_a_store_but_may_not_reconcile_it(fake):
    page = await get(accounts_app(fake, person(Level.READ)), "/channels/shops/woo-bottega")

    assert "https://bottega.example.it" in page.text
    assert "/reconcile" not in page.text


async def test_an_operator_reconciles_a_store_now(fake):
    app = accounts_app(fake, person(Level.WRITE))
    answer = await post(app, "/channels/shops/woo-bottega/reconcile", {})

    assert answer.headers["location"] == "/channels/shops/woo-bottega?notice=reconciled"
    assert len(fake.requests_to("POST", "/api/woocommerce/stores/woo-bottega/reconcile")) == 1


async def test_a_reconciliation_that_failed_says_so(fake):
    run = {"pages": 0, "orders_seen": 0, "published": 0, "cancelled": 0, "error": "HTTP 401"}
    fake.on("POST", "/api/woocommerce/stores/woo-bottega/reconcile", json=run)
    answer = await post(
        accounts_app(fake, person(Level.WRITE)), "/channels/shops/woo-bottega/reconcile", {}
    )

    assert answer.headers["location"] == "/channels/shops/woo-bottega?notice=reconcile_failed"


async def test_a_revoked_seller_shows_the_operators_message_poll_and_no_reauthorise_form(fake):
    page = await get(
        accounts_app(fake, person(Level.WRITE)), "/channels/shops/amazon-A2EUQ1WTGCTBG2"
    )

    assert page.status_code == 200
    assert "The seller&#39;s authorisation is revoked:" in page.text
    assert "the seller must authorise the app again" in page.text
    assert "APJ6JRA9NG5V4, A1PA6795UKMFR9" in page.text
    assert "74.70 EUR (3 orders)" in page.text
    assert 'action="/channels/shops/amazon-A2EUQ1WTGCTBG2/poll"' in page.text
    assert "/authorisation" not in page.text


async def test_an_admin_gets_the_reauthorise_form_with_empty_secrets(fake):
    page = await get(
        accounts_app(fake, person(Level.ADMIN)), "/channels/shops/amazon-A2EUQ1WTGCTBG2"
    )

    assert 'action="/channels/shops/amazon-A2EUQ1WTGCTBG2/authorisation"' in page.text
    assert 'name="refresh_token" type="password"' in page.text
    assert 'value="amzn1.application-oa2-client.bottega"' in page.text


async def test_an_operator_polls_a_seller_now(fake):
    app = accounts_app(fake, person(Level.WRITE))
    answer = await post(app, "/channels/shops/amazon-A2EUQ1WTGCTBG2/poll", {})

    assert answer.headers["location"] == "/channels/shops/amazon-A2EUQ1WTGCTBG2?notice=polled"
    assert len(fake.requests_to("POST", "/api/amazon/sellers/A2EUQ1WTGCTBG2/poll")) == 1


async def test_a_refused_poll_is_shown_on_the_sellers_page(fake):
    fake.on(
        "POST",
        "/api/amazon/sellers/A2EUQ1WTGCTBG2/poll",
        status=409,
        json={"detail": "seller A2EUQ1WTGCTBG2 is revoked: authorise it again"},
    )
    app = accounts_app(fake, person(Level.WRITE))
    answer = await post(app, "/channels/shops/amazon-A2EUQ1WTGCTBG2/poll", {})

    assert answer.status_code == 409
    assert "seller A2EUQ1WTGCTBG2 is revoked: authorise it again" in answer.text


async def test_reauthorising_forwards_the_new_credentials_and_shows_none_of_them(fake):
    app = accounts_app(fake, person(Level.ADMIN))
    form = {
        "lwa_client_id": "amzn1.application-oa2-client.bottega",
        "lwa_client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
    }
    answer = await post(app, "/channels/shops/amazon-A2EUQ1WTGCTBG2/authorisation", form)

    assert answer.headers["location"] == (
        "/channels/shops/amazon-A2EUQ1WTGCTBG2?notice=reauthorised"
    )
    assert fake.body_of("PUT", "/api/amazon/sellers/A2EUQ1WTGCTBG2/authorisation") == form
    shown = await get(app, answer.headers["location"])
    assert "New credentials saved" in shown.text
    assert no_secret_in(shown.text)


async def test_the_pages_are_italian_for_an_italian_admin(fake):
    app = accounts_app(fake, person(Level.ADMIN, locale="it"))
    channels_page = await get(app, "/channels")
    store_page = await get(app, "/channels/shops/woo-bottega")
    seller_page = await get(app, "/channels/shops/amazon-A2EUQ1WTGCTBG2")

    assert "Collega un negozio WooCommerce" in channels_page.text
    assert "Riconcilia ora" in store_page.text
    assert "Autorizza di nuovo" in seller_page.text
    for page in (channels_page, store_page, seller_page):
        assert english_left_in(page.text) == []
