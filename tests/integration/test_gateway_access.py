"""The front door over the gateway's real database: the 401/403 matrix of every route,
keys and their scopes, sessions, CSRF, lock-out and the audit trail."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from services.gateway.access import api_keys, audit
from services.gateway.access.gate import Gate, GateConfig
from services.gateway.access.policy import PUBLIC, UNSAFE_METHODS
from services.gateway.access.principal import Level, Role, Scope
from services.gateway.access.tables import audit as audit_table
from services.gateway.access.tables import session as session_table
from services.gateway.access.tokens import new_api_key
from shared.db import create_engine
from shared.settings import Settings
from tests.integration.gateway_app import (
    client,
    concrete,
    every_route,
    gateway_settings,
    key,
    named_key,
    person,
    running_gateway,
    sign_in,
    streaming_client,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def gateway(settings: Settings, scratch_databases: None) -> AsyncIterator[FastAPI]:
    async with running_gateway(gateway_settings(settings)) as app:
        yield app


def test_every_route_has_exactly_one_access_rule(gateway: FastAPI, settings: Settings):
    policy = gateway.state.policy
    routes = every_route(gateway, settings)

    missing = [f"{m} {p}" for m, p in routes if not policy.has_rule(m, p)]
    rules = [(r.method, r.template) for r in policy.rules]
    twice = sorted({f"{m} {p}" for m, p in rules if rules.count((m, p)) > 1})

    assert len(routes) > 90
    assert missing == [], "routes without an access rule"
    assert twice == [], "routes with two access rules"


# What the issue asks, written independently of the rule table: reads need read access,
# writes need write access, except what is public, what only admins do, and the few
# writes a viewer may make for themselves or that only compute an answer.
PUBLIC_ROUTES = {
    "POST /webhooks/shopify",
    "POST /webhooks/etsy",
    "POST /webhooks/woocommerce/{shop}",
    "POST /webhooks/sendcloud",
    "GET /healthz",
    "GET /readyz",
    "GET /static/{file:path}",
    "GET /login",
    "POST /login",
}
ADMIN_ROUTES = {
    "POST /api/shops",
    "PATCH /api/shops/{domain}",
    "POST /api/etsy/shops",
    "POST /api/etsy/shops/{shop_id}/connect",
    "GET /api/etsy/oauth/callback",
    "POST /api/woocommerce/stores",
    # an Amazon seller's Login with Amazon client secret and refresh token
    "POST /api/amazon/sellers",
    "PUT /api/amazon/sellers/{seller_id}/authorisation",
    "POST /api/trace/recalls/{recall_id}/withdraw",  # puts recalled stock back on sale
    # outbound webhooks: where our events go, signed with a secret made for them
    "POST /api/outbound-webhooks",
    "POST /api/outbound-webhooks/{subscription_id}/disable",
    "POST /api/outbound-webhooks/{subscription_id}/enable",
    "POST /api/outbound-webhooks/{subscription_id}/rotate-secret",
    "DELETE /api/outbound-webhooks/{subscription_id}",
    "POST /api/outbound-webhooks/deliveries/{delivery_id}/replay",
    "POST /channels/outbound-webhooks/{subscription_id}/enable",
    "POST /channels/outbound-webhooks/{subscription_id}/rotate-secret",
    "POST /channels/outbound-webhook-deliveries/{delivery_id}/replay",
    # the dashboard's forms that hand Lotline a WooCommerce store's or Amazon seller's secrets
    "POST /channels/woocommerce-stores",
    "POST /channels/amazon-sellers",
    "POST /channels/shops/{domain}/authorisation",
}
ADMIN_PREFIXES = ("/api/users", "/api/api-keys", "/api/audit", "/admin")
READ_ONLY_WRITES = {
    "POST /api/availability",
    "POST /api/quotes",
    "PATCH /api/me",
    "POST /logout",
    "POST /preferences/language",
}


def expected_need(method: str, template: str) -> Level | str:
    route = f"{method} {template}"
    if route in PUBLIC_ROUTES:
        return PUBLIC
    if route in ADMIN_ROUTES or template.startswith(ADMIN_PREFIXES):
        return Level.ADMIN
    if method == "GET" or route in READ_ONLY_WRITES:
        return Level.READ
    return Level.WRITE


def test_every_rule_says_what_the_issue_asks(gateway: FastAPI, settings: Settings):
    policy = gateway.state.policy
    wrong = [
        f"{method} {template}: {rule.need} instead of {expected_need(method, template)}"
        for method, template in every_route(gateway, settings)
        if (rule := policy.match(method, concrete(template)).rule).need
        != expected_need(method, template)
    ]
    assert wrong == []


async def status_of(http: httpx.AsyncClient, method: str, path: str, secret: str) -> int:
    """The answer's status as the key ``secret``: a stream of server-sent events (the live
    feed, which never ends) by its first line, which the gate lets out only when it let the
    request through; any other answer once it is complete (a write is audited by then)."""
    headers = {"Authorization": f"Bearer {secret}"}
    async with http.stream(method, path, headers=headers) as answer:
        if not answer.headers.get("content-type", "").startswith("text/event-stream"):
            await answer.aread()
        return answer.status_code


async def test_the_matrix_no_credentials_401_too_little_access_403(
    gateway: FastAPI, settings: Settings
):
    keys = {
        level: await named_key(gateway, scope) for level, scope in zip(Level, Scope, strict=True)
    }
    writes: dict[Level, set[tuple[str, str]]] = {level: set() for level in Level}
    wrong: list[str] = []
    async with streaming_client(gateway) as http:
        for method, template in every_route(gateway, settings):
            need = expected_need(method, template)
            path = concrete(template)
            anonymous = await http.request(method, path)
            if need == PUBLIC:
                if anonymous.status_code == 401:
                    wrong.append(f"{method} {template}: public but 401")
                continue
            assert isinstance(need, Level)
            if anonymous.status_code != 401:
                wrong.append(f"{method} {template}: no credentials → {anonymous.status_code}")
            for level, (_name, secret) in keys.items():
                status = await status_of(http, method, path, secret)
                expected_refusal = level < need
                refused = status in (401, 403)
                if refused != expected_refusal or status == 401:
                    wrong.append(f"{method} {template} as {level.name}: {status}")
                if method in UNSAFE_METHODS:
                    writes[level].add((method, path))
    assert wrong == []
    for level, done in writes.items():
        trail = await audit.listing(gateway.state.engine, actor=keys[level][0], limit=500)
        assert len(done) > 40
        assert {(e.method, e.path) for e in trail} == done, f"every write of {level.name} audited"


async def test_a_revoked_key_is_refused_and_a_used_one_shows_when(gateway: FastAPI):
    secret = await key(gateway, Scope.READ)
    async with client(gateway, headers={"Authorization": f"Bearer {secret}"}) as http:
        assert (await http.get("/api/me")).status_code == 200
        listed = {k.prefix: k for k in await api_keys.listing(gateway.state.engine, limit=200)}
        used = listed[secret.split("_")[1]]
        assert used.last_used_at is not None

        await api_keys.revoke(gateway.state.engine, used.id, revoked_by="test")

        answer = await http.get("/api/me")
    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]


async def test_an_admin_creates_a_key_sees_it_once_and_never_again(gateway: FastAPI):
    admin = await key(gateway, Scope.ADMIN)
    async with client(gateway, headers={"Authorization": f"Bearer {admin}"}) as http:
        created = (await http.post("/api/api-keys", json={"name": "erp", "scope": "write"})).json()
        listed = (await http.get("/api/api-keys", params={"limit": 200})).json()

    assert created["key"].startswith("llk_")
    assert created["scope"] == "write"
    shown_again = [k for k in listed if k["id"] == created["id"]]
    assert shown_again and "key" not in shown_again[0]
    assert created["key"] not in str(listed)


async def test_sign_in_opens_a_secure_httponly_session_and_sign_out_ends_it(gateway: FastAPI):
    username, password = await person(gateway, Role.OPERATOR)
    async with client(gateway) as http:
        answer = await sign_in(http, username, password)
        cookie = answer.headers["set-cookie"]
        me = (await http.get("/api/me")).json()
        kept = dict(http.cookies)

        await http.post("/logout", headers={"X-CSRF-Token": me["csrf_token"]})

    assert answer.status_code == 303
    assert "lotline_session=" in cookie
    assert "HttpOnly" in cookie and "Secure" in cookie and "samesite=lax" in cookie.lower()
    assert me["name"] == username and me["role"] == "operator"
    async with client(gateway, cookies=kept) as replayed:
        assert (await replayed.get("/api/me")).status_code == 401


async def test_a_cookie_write_without_the_csrf_token_is_refused_and_audited(gateway: FastAPI):
    username, password = await person(gateway, Role.OPERATOR)
    async with client(gateway) as http:
        await sign_in(http, username, password)
        token = (await http.get("/api/me")).json()["csrf_token"]

        forged = await http.post("/api/items", json={"code": "X"})
        wrong = await http.post("/api/items", json={"code": "X"}, headers={"X-CSRF-Token": "no"})
        in_form = await http.post("/preferences/language", data={"language": "it"})
        right = await http.post("/api/items", json={"code": "X"}, headers={"X-CSRF-Token": token})
        form = await http.post(
            "/preferences/language", data={"language": "it", "csrf_token": token}
        )

    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    assert wrong.status_code == 403 and in_form.status_code == 403
    assert right.status_code == 503  # past the gate; the inventory service is not running
    assert form.status_code == 303
    trail = await audit.listing(gateway.state.engine, actor=username, limit=20)
    assert [(e.method, e.path, e.status) for e in reversed(trail)][-5:] == [
        ("POST", "/api/items", 403),
        ("POST", "/api/items", 403),
        ("POST", "/preferences/language", 403),
        ("POST", "/api/items", 503),
        ("POST", "/preferences/language", 303),
    ]


async def test_a_viewer_reads_but_may_not_write(gateway: FastAPI):
    username, password = await person(gateway, Role.VIEWER)
    async with client(gateway) as http:
        await sign_in(http, username, password)
        token = (await http.get("/api/me")).json()["csrf_token"]

        read = await http.get("/api/stock")
        write = await http.post("/api/orders/x/cancel", json={}, headers={"X-CSRF-Token": token})

    assert read.status_code == 503  # allowed; forwarded to an absent service
    assert write.status_code == 403
    assert "viewer" in write.json()["detail"]


async def test_an_expired_or_idle_session_opens_nothing(gateway: FastAPI):
    username, password = await person(gateway, Role.VIEWER)
    async with client(gateway) as http:
        await sign_in(http, username, password)
        assert (await http.get("/api/me")).status_code == 200
        async with gateway.state.engine.begin() as conn:
            await conn.execute(
                session_table.update()
                .where(session_table.c.user_id == await _user_id(gateway, username))
                .values(last_seen_at=datetime.now(UTC) - timedelta(days=1))
            )

        answer = await http.get("/api/me")
    assert answer.status_code == 401
    assert "session" in answer.json()["detail"]


async def _user_id(gateway: FastAPI, username: str):
    from services.gateway.access import users

    found = await users.find(gateway.state.engine, username)
    assert found is not None
    return found.id


async def test_repeated_failures_lock_the_account_even_for_the_right_password(gateway: FastAPI):
    username, password = await person(gateway, Role.OPERATOR)
    limit = gateway.state.settings.gateway.max_failures_per_account
    async with client(gateway) as http:
        failures = [
            (await sign_in(http, username, "wrong-password")).status_code for _ in range(limit)
        ]
        locked = await sign_in(http, username, password)
        someone_else, their_password = await person(gateway, Role.VIEWER)
        other = await sign_in(http, someone_else, their_password)

    assert failures == [401] * limit
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in locked.text
    assert "lotline_session" not in locked.headers.get("set-cookie", "")
    assert other.status_code == 303


async def test_a_forged_sign_in_form_is_refused(gateway: FastAPI):
    username, password = await person(gateway, Role.OPERATOR)
    async with client(gateway) as http:
        answer = await http.post(
            "/login", data={"username": username, "password": password, "login_token": "forged"}
        )
    assert answer.status_code == 403
    assert "lotline_session" not in answer.headers.get("set-cookie", "")


async def test_sign_in_never_redirects_off_site(gateway: FastAPI):
    username, password = await person(gateway, Role.VIEWER)
    async with client(gateway) as http:
        form = await http.get("/login", params={"next": "//evil.example/steal"})
        token = form.text.split('name="login_token" value="')[1].split('"')[0]
        answer = await http.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "login_token": token,
                "next": "https://evil.example/",
            },
        )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


async def test_a_page_without_credentials_sends_the_browser_to_sign_in(gateway: FastAPI):
    async with client(gateway) as http:
        answer = await http.get("/", headers={"Accept": "text/html"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2F"


async def test_the_audit_trail_is_append_only(gateway: FastAPI):
    await audit.record(
        gateway.state.engine,
        audit.Actor(kind="user", name="someone"),
        method="POST",
        path="/api/items",
        status=201,
    )
    for statement in (
        audit_table.update().values(status=200),
        audit_table.delete(),
        sa.text("TRUNCATE gateway_audit"),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with gateway.state.engine.begin() as conn:
                await conn.execute(statement)


async def test_the_last_admin_cannot_be_demoted(gateway: FastAPI):
    admin = await key(gateway, Scope.ADMIN)
    async with client(gateway, headers={"Authorization": f"Bearer {admin}"}) as http:
        listed = (await http.get("/api/users", params={"limit": 200})).json()
        admins = [u for u in listed if u["role"] == "admin" and u["active"]]
        if not admins:
            made = await http.post(
                "/api/users",
                json={"username": "only-admin", "password": "a long password", "role": "admin"},
            )
            admins = [made.json()]
        for extra in admins[1:]:
            await http.patch(f"/api/users/{extra['id']}", json={"active": False})

        answer = await http.patch(f"/api/users/{admins[0]['id']}", json={"role": "viewer"})

    assert answer.status_code == 422
    assert "last active admin" in answer.json()["detail"]


async def test_a_forwarded_request_names_the_caller_and_never_what_the_caller_claimed(
    gateway: FastAPI,
):
    name, secret = await named_key(gateway, Scope.WRITE)
    seen: list[httpx.Request] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    real = gateway.state.client
    gateway.state.client = httpx.AsyncClient(transport=httpx.MockTransport(service))
    try:
        async with client(gateway) as http:
            await http.post(
                "/api/dead-letters/orders/t.dlq/0/1/replay",
                headers={"Authorization": f"Bearer {secret}", "X-Lotline-Actor": "user:admin"},
            )
    finally:
        await gateway.state.client.aclose()
        gateway.state.client = real

    [forwarded] = seen
    assert forwarded.headers.get_list("x-lotline-actor") == [name]  # as the audit names it
    assert "authorization" not in forwarded.headers


async def test_a_forwarded_path_skips_the_router_but_not_the_gate_log_or_audit(
    gateway: FastAPI,
):
    """Service paths are forwarded from inside the gate (``proxy.Forwarding``), never
    walking the router: a webhook still reaches the service byte for byte with its
    signature, a write is still audited and answered with its correlation id, and its
    metrics keep the catch-all's route label."""
    name, secret = await named_key(gateway, Scope.WRITE)
    seen: list[httpx.Request] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"order_id": "o-1"})

    body = b'{"id": 9007199254740993,  "note": "caf\xc3\xa9"}'  # odd spacing, raw UTF-8
    signed = {"X-Shopify-Hmac-Sha256": "c2lnbmVk", "X-Shopify-Topic": "orders/create"}
    real = gateway.state.client
    gateway.state.client = httpx.AsyncClient(transport=httpx.MockTransport(service))
    try:
        async with client(gateway) as http:
            webhook = await http.post("/webhooks/shopify", content=body, headers=signed)
            write = await http.post(
                "/api/items?x=%3F&y=1",
                json={"code": "X"},
                headers={"Authorization": f"Bearer {secret}", "X-Correlation-Id": str(uuid4())},
            )
    finally:
        await gateway.state.client.aclose()
        gateway.state.client = real

    assert (webhook.status_code, write.status_code) == (201, 201)
    # forwarded from inside the gate, never around it
    innermost = [getattr(m.cls, "__name__", "") for m in gateway.user_middleware][-2:]
    assert innermost == ["Gate", "Forwarding"]
    forwarded_webhook, forwarded_write = seen
    assert forwarded_webhook.content == body
    assert forwarded_webhook.headers["x-shopify-hmac-sha256"] == "c2lnbmVk"
    assert forwarded_write.url.path == "/api/items" and forwarded_write.url.params["x"] == "?"
    assert "authorization" not in forwarded_write.headers
    assert forwarded_write.headers["x-lotline-actor"] == name
    assert write.headers["x-correlation-id"]
    [entry] = await audit.listing(gateway.state.engine, actor=name, limit=5)
    assert (entry.method, entry.path, entry.status) == ("POST", "/api/items", 201)
    webhooks = gateway.state.metrics.registry.get_sample_value(
        "lotline_http_requests_total",
        {"service": "gateway", "method": "POST", "route": "/{path}", "status": "201"},
    )
    assert webhooks is not None and webhooks >= 2  # labelled as the router would have


async def test_an_oversized_body_is_refused_at_the_door_before_anything_reads_it(
    gateway: FastAPI,
):
    limit = gateway.state.settings.requests.max_body_bytes
    webhook_limit = gateway.state.settings.requests.max_webhook_bytes
    body = b"{" + b" " * limit + b"}"

    async with client(gateway) as http:  # no credentials: the size is refused first
        answer = await http.post("/api/shops", content=body)
        webhook = await http.post("/webhooks/shopify", content=b" " * (webhook_limit + 1))

    assert answer.status_code == 413
    assert answer.json()["detail"] == f"the request body is larger than {limit} bytes"
    # a webhook may be larger, so that its signature is checked and one too large kept dead
    assert webhook.status_code == 413
    assert webhook.json()["detail"] == f"the request body is larger than {webhook_limit} bytes"


async def test_a_key_checked_while_the_database_is_down_is_a_503_to_retry(
    gateway: FastAPI, settings: Settings
):
    """The gate reads keys before any route runs (outside FastAPI's error handlers): a
    PostgreSQL restart must answer 503 with Retry-After, not 500 (seen in the chaos run)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    dead = create_engine(f"postgresql+asyncpg://lotline@127.0.0.1:{closed}/gateway")
    config = GateConfig(gateway.state.policy, dead, gateway.state.settings.gateway)
    door = Gate(gateway, config)
    transport = httpx.ASGITransport(app=door)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            well_formed = f"Bearer {new_api_key().full}"  # so the gate has to look it up
            answer = await http.get("/api/orders", headers={"Authorization": well_formed})
    finally:
        await dead.dispose()

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "2"
