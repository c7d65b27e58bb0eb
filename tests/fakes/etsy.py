"""A faithful local fake of the Etsy Open API v3, for receipts polling, shipment write-back
and shop connection.

Served over real HTTP (``running_fake()``):
- ``GET /oauth/connect`` stands in for the seller approving the app: it checks the client
  id and the S256 challenge and redirects (302) to ``redirect_uri`` with ``code`` and
  ``state``, like Etsy's consent page once the seller clicks "Allow access";
- ``POST /v3/public/oauth/token`` (form-encoded) grants tokens for an authorization code
  whose PKCE verifier matches its challenge (codes work once), and for a refresh token —
  which rotates: the old one is refused (``invalid_grant``) once used. Access tokens are
  ``<user_id>.<random>`` and live ``access_token_seconds`` (3600 like Etsy's);
- ``/v3/application/…`` checks ``x-api-key`` as ``keystring:shared_secret`` and the bearer
  token, and serves ``getShopReceipts`` (``min_last_modified``, ``max_last_modified``,
  ``limit`` 1–100, ``offset``, ``sort_on``/``sort_order``, every status),
  ``getShopReceipt`` and ``createReceiptShipment`` (``…/receipts/{id}/tracking``);
- more than ``per_second`` requests within one second are answered 429 with Etsy's
  rate-limit headers (``x-limit-per-second``, ``x-remaining-this-second``,
  ``x-limit-per-day``, ``x-remaining-today``, ``retry-after``).

Receipts are built by ``receipt()`` in the shape of real ``ShopReceipt`` answers: Money
objects, Title-Case statuses, empty SKUs, float coupons. Scripting hooks: ``fail_next``,
``fail_always`` / ``recover``. Every request is recorded.

ASSUMED, not documented by Etsy: the exact error texts and bodies of 401/403/429/5xx
answers, and that the token endpoint counts against the per-second limit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from tests.fakes import HeldAnswers, serving

USER_ID = 825771234
FORM = "application/x-www-form-urlencoded"


def money(amount: int, currency: str = "EUR", divisor: int = 100) -> dict[str, Any]:
    return {"amount": amount, "divisor": divisor, "currency_code": currency}


def receipt(
    receipt_id: int,
    lines: list[tuple[str, int, int]],
    *,
    status: str = "Paid",
    is_paid: bool = True,
    updated: int | None = None,
    created: int | None = None,
    currency: str = "EUR",
    buyer: str = "Ada Lindqvist",
) -> dict[str, Any]:
    """A ``ShopReceipt`` shaped like Etsy's: ``lines`` are (sku, quantity, price in cents)."""
    now = int(time.time())
    created = created or now
    updated = updated or created
    subtotal = sum(q * cents for _, q, cents in lines)
    transactions: list[dict[str, Any]] = [
        {
            "transaction_id": receipt_id * 10 + n,
            "title": f"Hand-poured candle {sku or 'unlabelled'}",
            "description": "",
            "seller_user_id": USER_ID,
            "buyer_user_id": 177851234,
            "create_timestamp": created,
            "created_timestamp": created,
            "paid_timestamp": created if is_paid else None,
            "shipped_timestamp": None,
            "quantity": quantity,
            "listing_image_id": 5366712345,
            "receipt_id": receipt_id,
            "is_digital": False,
            "file_data": "",
            "listing_id": 1572331234 + n,
            "sku": sku,
            "product_id": 17854051234 + n,
            "transaction_type": "listing",
            "price": money(cents, currency),
            "shipping_cost": money(0, currency),
            "variations": [],
            "product_data": [],
            "shipping_profile_id": 208181234,
            "min_processing_days": 1,
            "max_processing_days": 3,
            "shipping_method": None,
            "shipping_upgrade": None,
            "expected_ship_date": created + 3 * 86400,
            "buyer_coupon": 0.0,
            "shop_coupon": 1.5,
        }
        for n, (sku, quantity, cents) in enumerate(lines, start=1)
    ]
    return {
        "receipt_id": receipt_id,
        "receipt_type": 0,
        "seller_user_id": USER_ID,
        "seller_email": "maker@example.org",
        "buyer_user_id": 177851234,
        "buyer_email": None,
        "name": buyer,
        "first_line": "Storgatan 5",
        "second_line": "",
        "city": "Uppsala",
        "state": None,
        "zip": "75310",
        "status": status,
        "formatted_address": f"{buyer}\nStorgatan 5\n75310 UPPSALA\nSweden",
        "country_iso": "SE",
        "payment_method": "cc",
        "payment_email": None,
        "message_from_payment": None,
        "message_from_seller": "",
        "message_from_buyer": "",
        "is_shipped": False,
        "is_paid": is_paid,
        "create_timestamp": created,
        "created_timestamp": created,
        "update_timestamp": updated,
        "updated_timestamp": updated,
        "is_gift": False,
        "gift_message": "",
        "gift_sender": "",
        "grandtotal": money(subtotal, currency),
        "subtotal": money(subtotal, currency),
        "total_price": money(subtotal, currency),
        "total_shipping_cost": money(0, currency),
        "total_tax_cost": money(0, currency),
        "total_vat_cost": money(0, currency),
        "discount_amt": money(0, currency),
        "gift_wrap_price": money(0, currency),
        "shipments": [],
        "transactions": transactions,
        "refunds": [],
    }


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    status: int  # 0 until answered


@dataclass
class _Scripted:
    status: int
    path_contains: str | None
    retry_after: float | None = None


@dataclass
class _Grant:
    challenge: str
    redirect_uri: str
    client_id: str


@dataclass
class FakeShop:
    shop_id: int
    receipts: dict[int, dict[str, Any]] = field(default_factory=dict)


class FakeEtsy:
    """One Etsy app's view of Etsy. ``base_url`` is set once it is served."""

    def __init__(
        self,
        keystring: str = "fakekeystring1234",
        shared_secret: str = "fakesharedsecret",
        *,
        per_second: int = 10,
        per_day: int = 10_000,
        access_token_seconds: int = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keystring = keystring
        self.shared_secret = shared_secret
        self.per_second = per_second
        self.per_day = per_day
        self.access_token_seconds = access_token_seconds
        self.token_answers = HeldAnswers()  # a test can hold refreshes to make a race certain
        self.base_url = ""
        self.shops: dict[int, FakeShop] = {}
        self.requests: list[RecordedRequest] = []
        self.refresh_tokens_spent: list[str] = []
        self.rejected_refresh_tokens: list[str] = []
        self._clock = clock
        self._arrivals: deque[float] = deque()
        self._day_calls = 0
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, float] = {}  # access token → expiry (clock)
        self._refresh: set[str] = set()  # refresh tokens not yet used
        self._scripted: list[_Scripted] = []
        self._always: _Scripted | None = None
        self._ids = itertools.count(1_204_220_000_001)
        self.app = self._build_app()

    # -- scripting ------------------------------------------------------------------------

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/v3/application"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/v3/public/oauth/token"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/oauth/connect"

    def shop(self, shop_id: int) -> FakeShop:
        return self.shops.setdefault(shop_id, FakeShop(shop_id))

    def add_receipt(self, shop_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self.shop(shop_id).receipts[int(body["receipt_id"])] = body
        return body

    def modify_receipt(self, shop_id: int, receipt_id: int, **changes: Any) -> dict[str, Any]:
        """Change a receipt the way Etsy does: its ``updated_timestamp`` moves on."""
        body = self.shop(shop_id).receipts[receipt_id]
        stamp = int(changes.pop("updated", max(int(time.time()), body["updated_timestamp"] + 1)))
        body.update(changes, updated_timestamp=stamp, update_timestamp=stamp)
        return body

    def fail_next(
        self,
        status: int,
        n: int = 1,
        *,
        path_contains: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self._scripted.extend(_Scripted(status, path_contains, retry_after) for _ in range(n))

    def fail_always(self, status: int) -> None:
        self._always = _Scripted(status, None)

    def recover(self) -> None:
        self._always = None
        self._scripted.clear()

    def issue_tokens(self) -> dict[str, Any]:
        """Tokens as a finished authorization would have them (for tests that skip it)."""
        return self._tokens()

    def requests_to(self, method: str, path_contains: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and path_contains in r.path]

    def shipments(self, shop_id: int, receipt_id: int) -> list[dict[str, Any]]:
        return list(self.shop(shop_id).receipts[receipt_id]["shipments"])

    # -- HTTP -----------------------------------------------------------------------------

    def _rate_headers(self, remaining_this_second: int) -> dict[str, str]:
        return {
            "x-limit-per-second": str(self.per_second),
            "x-remaining-this-second": str(max(0, remaining_this_second)),
            "x-limit-per-day": str(self.per_day),
            "x-remaining-today": str(max(0, self.per_day - self._day_calls)),
        }

    def _admit(self) -> Response | None:
        """Count the request in the one-second window; 429 when the window is full."""
        now = self._clock()
        while self._arrivals and now - self._arrivals[0] >= 1.0:
            self._arrivals.popleft()
        if len(self._arrivals) >= self.per_second or self._day_calls >= self.per_day:
            headers = {**self._rate_headers(0), "retry-after": "1"}
            return JSONResponse(
                {"error": "You have exceeded your quota of requests per second."},
                status_code=429,
                headers=headers,
            )
        self._arrivals.append(now)
        self._day_calls += 1
        return None

    def _scripted_failure(self, path: str) -> Response | None:
        scripted = self._always or next(
            (s for s in self._scripted if s.path_contains is None or s.path_contains in path), None
        )
        if scripted is None:
            return None
        if scripted is not self._always:
            self._scripted.remove(scripted)
        headers = self._rate_headers(0)
        if scripted.retry_after is not None:
            headers["retry-after"] = str(scripted.retry_after)
        if scripted.status >= 500:
            return Response(
                "<html><body><h1>Service Unavailable</h1></body></html>",
                status_code=scripted.status,
                media_type="text/html",
                headers=headers,
            )
        return JSONResponse(
            {"error": "scripted failure"}, status_code=scripted.status, headers=headers
        )

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="fake Etsy Open API v3")

        @app.middleware("http")
        async def record(request: Request, call_next: Any) -> Response:
            body = await request.body()
            form: dict[str, str] = {}
            if request.headers.get("content-type", "").startswith(FORM):
                form = dict(parse_qsl(body.decode()))
            request.state.form = form
            # Recorded before it is handled: a test that sees the handler's effect on the
            # fake's state sees the request too (the status follows once it is answered,
            # before the caller can read the answer).
            recorded = RecordedRequest(
                request.method,
                request.url.path,
                dict(request.query_params),
                form,
                dict(request.headers),
                0,
            )
            self.requests.append(recorded)
            response: Response = await call_next(request)
            recorded.status = response.status_code
            return response

        @app.get("/oauth/connect")
        async def connect(request: Request) -> Response:
            q = request.query_params
            if q.get("client_id") != self.keystring:
                return JSONResponse({"error": "invalid_client"}, status_code=400)
            if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
                return JSONResponse(
                    {
                        "error": "invalid_request",
                        "error_description": "code_challenge_method must be S256",
                    },
                    status_code=400,
                )
            code = secrets.token_urlsafe(24)
            self._codes[code] = _Grant(
                str(q["code_challenge"]), str(q.get("redirect_uri")), str(q["client_id"])
            )
            query = urlencode({"code": code, "state": q.get("state", "")})
            return RedirectResponse(f"{q.get('redirect_uri')}?{query}", status_code=302)

        @app.post("/v3/public/oauth/token")
        async def token(request: Request) -> Response:
            limited = self._admit()
            if limited is not None:
                return limited
            failure = self._scripted_failure(request.url.path)
            if failure is not None:
                return failure
            answer = self._token(request.state.form)
            await self.token_answers.pass_through()
            return answer

        @app.api_route("/v3/application/{rest:path}", methods=["GET", "POST"])
        async def application(rest: str, request: Request) -> Response:
            if request.headers.get("x-api-key") != f"{self.keystring}:{self.shared_secret}":
                return JSONResponse(
                    {"error": "Invalid API key: x-api-key must be keystring:shared_secret"},
                    status_code=403,
                )
            limited = self._admit()
            if limited is not None:
                return limited
            auth = request.headers.get("authorization", "")
            access = auth.removeprefix("Bearer ").strip()
            expiry = self._access.get(access)
            if not auth.startswith("Bearer ") or expiry is None or expiry <= self._clock():
                return JSONResponse({"error": "invalid_token"}, status_code=401)
            failure = self._scripted_failure(request.url.path)
            if failure is not None:
                return failure
            answer = self._route(
                request.method, rest, dict(request.query_params), request.state.form
            )
            answer.headers.update(self._rate_headers(self.per_second - len(self._arrivals)))
            return answer

        return app

    # -- OAuth ----------------------------------------------------------------------------

    def _tokens(self) -> dict[str, Any]:
        access = f"{USER_ID}.{secrets.token_urlsafe(32)}"
        refresh = f"{USER_ID}.{secrets.token_urlsafe(32)}"
        self._access[access] = self._clock() + self.access_token_seconds
        self._refresh.add(refresh)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_token_seconds,
            "refresh_token": refresh,
        }

    def _token(self, form: dict[str, str]) -> Response:
        def refused(description: str) -> Response:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": description}, status_code=400
            )

        if form.get("client_id") != self.keystring:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        match form.get("grant_type"):
            case "authorization_code":
                grant = self._codes.pop(form.get("code", ""), None)
                if grant is None:
                    return refused("code is invalid, expired or already used")
                verifier = form.get("code_verifier", "")
                digest = hashlib.sha256(verifier.encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
                    return refused("code_verifier does not match the code_challenge")
                if form.get("redirect_uri") != grant.redirect_uri:
                    return refused("redirect_uri does not match")
                return JSONResponse(self._tokens())
            case "refresh_token":
                presented = form.get("refresh_token", "")
                if presented not in self._refresh:
                    self.rejected_refresh_tokens.append(presented)
                    return refused("refresh_token is invalid or was already used")
                self._refresh.discard(presented)
                self.refresh_tokens_spent.append(presented)
                return JSONResponse(self._tokens())
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    # -- resources ------------------------------------------------------------------------

    def _route(
        self, method: str, rest: str, params: dict[str, str], form: dict[str, str]
    ) -> Response:
        parts = rest.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "shops" or parts[2] != "receipts":
            return JSONResponse({"error": "Not found"}, status_code=404)
        try:
            shop = self.shops[int(parts[1])]
        except (ValueError, KeyError):
            return JSONResponse({"error": f"Shop {parts[1]} not found"}, status_code=404)
        if len(parts) == 3 and method == "GET":
            return self._receipts(shop, params)
        try:
            found = shop.receipts[int(parts[3])]
        except (ValueError, KeyError):
            return JSONResponse({"error": f"Receipt {parts[3]} not found"}, status_code=404)
        if len(parts) == 4 and method == "GET":
            return JSONResponse(found)
        if len(parts) == 5 and parts[4] == "tracking" and method == "POST":
            return self._ship(found, form)
        return JSONResponse({"error": "Not found"}, status_code=404)

    def _receipts(self, shop: FakeShop, params: dict[str, str]) -> Response:
        try:
            limit = int(params.get("limit", 25))
            offset = int(params.get("offset", 0))
            low = int(params["min_last_modified"]) if "min_last_modified" in params else None
            high = int(params["max_last_modified"]) if "max_last_modified" in params else None
        except ValueError as error:
            return JSONResponse({"error": f"Invalid parameter: {error}"}, status_code=400)
        if not 1 <= limit <= 100 or offset < 0:
            return JSONResponse({"error": "limit must be 1-100 and offset >= 0"}, status_code=400)
        chosen = [
            r
            for r in shop.receipts.values()
            if (low is None or r["updated_timestamp"] >= low)
            and (high is None or r["updated_timestamp"] <= high)
        ]
        key = {"created": "created_timestamp", "updated": "updated_timestamp"}.get(
            params.get("sort_on", "created"), "receipt_id"
        )
        chosen.sort(
            key=lambda r: (r[key], r["receipt_id"]),
            reverse=params.get("sort_order", "desc") == "desc",
        )
        return JSONResponse({"count": len(chosen), "results": chosen[offset : offset + limit]})

    def _ship(self, found: dict[str, Any], form: dict[str, str]) -> Response:
        if form.get("tracking_code") and not form.get("carrier_name"):
            return JSONResponse(
                {"error": "carrier_name is required with a tracking_code"}, status_code=400
            )
        now = int(time.time())
        found["shipments"].append(
            {
                "receipt_shipping_id": next(self._ids),
                "shipment_notification_timestamp": now,
                "carrier_name": form.get("carrier_name", ""),
                "tracking_code": form.get("tracking_code", ""),
            }
        )
        stamp = max(now, found["updated_timestamp"] + 1)
        found.update(
            is_shipped=True, status="Completed", updated_timestamp=stamp, update_timestamp=stamp
        )
        return JSONResponse(found)


def sign_webhook(body: bytes, *, secret: str, webhook_id: str, timestamp: int) -> str:
    """``webhook-signature`` the way Etsy's webhook portal (Standard Webhooks) signs."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def order_paid(shop_id: int, receipt_id: int) -> bytes:
    """The flat ``order.paid`` delivery Etsy sends."""
    return json.dumps(
        {
            "event_type": "order.paid",
            "resource_url": f"https://openapi.etsy.com/v3/application/shops/{shop_id}/receipts/{receipt_id}",
            "shop_id": shop_id,
        }
    ).encode()


@asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[FakeEtsy]:
    """A ``FakeEtsy`` served on a free loopback port for the duration of the block."""
    fake = FakeEtsy(**options)
    async with serving(fake.app) as base_url:
        fake.base_url = base_url
        yield fake
