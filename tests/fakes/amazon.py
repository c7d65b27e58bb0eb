"""A faithful local fake of Amazon's Selling Partner API (Orders v0) and of Login with
Amazon, for seller connection and order polling.

Served over real HTTP (``running_fake()``):
- ``POST /auth/o2/token`` (form-encoded, Login with Amazon) takes ``grant_type=
  refresh_token`` with the seller's ``refresh_token``, ``client_id`` and ``client_secret``
  and grants an access token (``Atza|…``) that lives ``access_token_seconds`` (3600 like
  Amazon's) on the fake's clock. The refresh token does not rotate; a revoked one (or an
  unknown one) is answered 400 ``invalid_grant``. Every refresh is counted per seller;
- ``/orders/v0/…`` checks ``x-amz-access-token`` (missing, unknown or expired: 403
  ``Unauthorized`` in the ``errors`` envelope) and serves ``getOrders`` (``MarketplaceIds``
  required; ``LastUpdatedAfter`` or ``CreatedAfter`` required unless ``NextToken``;
  ``MaxResultsPerPage`` 1–100; ``NextToken`` paging; the ``payload`` envelope with
  ``Orders``, ``NextToken``, ``LastUpdatedBefore``), ``getOrder`` and ``getOrderItems``
  (``payload`` with ``OrderItems`` and ``AmazonOrderId``) and ``confirmShipment``
  (``POST …/shipmentConfirmation``: ``marketplaceId`` and ``packageDetail`` checked —
  a positive numeric ``packageReferenceId``, ``carrierCode`` (``carrierName`` with
  ``Other``), ``trackingNumber``, ``shipDate``, ``orderItems`` of the order within what is
  left to ship; answered 204; the same ``packageReferenceId`` again edits that package;
  the order becomes ``PartiallyShipped`` or ``Shipped``);
- each operation has its own token bucket per seller (``getOrders`` 0.0167/s burst 20,
  ``getOrderItems`` 0.5/s burst 30, ``confirmShipment`` 2/s burst 10 unless told
  otherwise); every answer carries the
  operation's rate as ``x-amzn-RateLimit-Limit``, and an empty bucket is answered 429
  ``QuotaExceeded``.

Orders are built by ``order()`` and ``order_item()`` in the shape of the Orders v0 model:
``AmazonOrderId`` ``123-1234567-1234567``, ISO 8601 dates, ``{CurrencyCode, Amount}``
money with string amounts, ``IsBuyerRequestedCancel`` as the string "true"/"false".
Scripting: ``fail_next`` (any status; 429 with the QuotaExceeded body, 5xx with a server
error body), ``serve_stale_once`` (an older copy of an order in the next listing),
``serve_stale_get_once`` (an older copy answered by the next ``getOrder``),
``expire_access_tokens``, ``revoke``, ``lose_next_answer`` (the request takes effect, its
answer is a 500). Every request is recorded.

Listings Items 2021-08-01 (``add_listing``): ``GET /listings/2021-08-01/items/{sellerId}/
{sku}`` (``marketplaceIds`` required; ``includedData`` ``summaries`` by default,
``fulfillmentAvailability`` gives ``[{"fulfillmentChannelCode": "DEFAULT", "quantity": N}]``)
and ``PATCH`` of the same path with a JSON Patch of ``/attributes/fulfillment_availability``
(answered ``{"sku", "status": "ACCEPTED", "submissionId", "issues": []}``, applied at once —
Amazon processes a submission asynchronously); an unknown SKU is 404 ``NOT_FOUND``; buckets
5/s burst 10 each, 429 ``QuotaExceeded`` when empty. Buyer PII
(``getOrderAddress``, ``getOrderBuyerInfo``, Restricted Data Tokens) is not served.

ASSUMED, not documented by Amazon: the exact texts of 5xx bodies; the order in which
``getOrders`` lists orders (here: by ``LastUpdateDate``, then id).
"""

from __future__ import annotations

import itertools
import random
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakes import HeldAnswers, serving

MARKETPLACE_DE = "A1PA6795UKMFR9"
MARKETPLACE_UK = "A1F83G8C2ARO7P"
FORM = "application/x-www-form-urlencoded"
RATE_HEADER = "x-amzn-RateLimit-Limit"

RATES = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "getListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 10),
}
LISTINGS = "/listings/2021-08-01/items"


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def order_id() -> str:
    """``123-1234567-1234567``: Amazon's 3-7-7 order id."""
    middle, last = random.randint(10**6, 10**7 - 1), random.randint(10**6, 10**7 - 1)
    return f"{random.randint(100, 999)}-{middle}-{last}"


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": amount}


def order_item(
    sku: str,
    quantity: int,
    line_price: str,
    *,
    item_id: str | None = None,
    currency: str = "EUR",
    cancel_reason: str | None = None,
) -> dict[str, Any]:
    """An ``OrderItem``: ``line_price`` is ``ItemPrice``, the price of the whole line."""
    return {
        "ASIN": f"B0{random.randint(10**7, 10**8 - 1)}",
        "SellerSKU": sku,
        "OrderItemId": item_id or str(random.randint(10**13, 10**14 - 1)),
        "Title": f"Hand-poured candle {sku}",
        "QuantityOrdered": quantity,
        "QuantityShipped": 0,
        "ProductInfo": {"NumberOfItems": "1"},
        "ItemPrice": money(line_price, currency),
        "ShippingPrice": money("0.00", currency),
        "ItemTax": money("0.00", currency),
        "PromotionDiscount": money("0.00", currency),
        "IsGift": "false",
        "ConditionId": "New",
        "IsTransparency": False,
        "BuyerRequestedCancel": {
            "IsBuyerRequestedCancel": "true" if cancel_reason else "false",
            "BuyerCancelReason": cancel_reason or "",
        },
    }


def order(
    amazon_order_id: str,
    items: list[dict[str, Any]],
    *,
    status: str = "Unshipped",
    fulfillment_channel: str = "MFN",
    updated: datetime | None = None,
    marketplace_id: str = MARKETPLACE_DE,
    currency: str = "EUR",
) -> dict[str, Any]:
    """An ``Order`` of the Orders v0 model (no buyer PII: that is restricted data)."""
    now = datetime.now(UTC).replace(microsecond=0)
    updated = updated or now
    total = sum((Decimal(i["ItemPrice"]["Amount"]) for i in items), start=Decimal("0"))
    shipped = sum(int(i.get("QuantityShipped", 0)) for i in items)
    ordered = sum(int(i["QuantityOrdered"]) for i in items)
    return {
        "AmazonOrderId": amazon_order_id,
        "PurchaseDate": iso(updated - timedelta(minutes=5)),
        "LastUpdateDate": iso(updated),
        "OrderStatus": status,
        "FulfillmentChannel": fulfillment_channel,
        "SalesChannel": "Amazon.de",
        "ShipServiceLevel": "Std DE Dom_1",
        "OrderTotal": money(f"{total:.2f}", currency),
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": ordered - shipped,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "MarketplaceId": marketplace_id,
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "EarliestShipDate": iso(updated + timedelta(days=1)),
        "LatestShipDate": iso(updated + timedelta(days=2)),
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": "false",
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
    }


def errors(code: str, message: str, details: str = "") -> dict[str, Any]:
    """The SP-API ``errors`` envelope."""
    return {"errors": [{"code": code, "message": message, "details": details}]}


QUOTA_EXCEEDED = errors("QuotaExceeded", "You exceeded your quota for the requested resource.")


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


@dataclass
class _Bucket:
    rate: float
    burst: int
    tokens: float
    updated: float


@dataclass
class FakeSeller:
    seller_id: str
    client_id: str
    client_secret: str
    refresh_token: str
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stale: dict[str, dict[str, Any]] = field(default_factory=dict)
    stale_get: dict[str, dict[str, Any]] = field(default_factory=dict)
    packages: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    refreshes: int = 0
    revoked: bool = False
    # Listings Items: SKU → the DEFAULT (merchant-fulfilled) quantity, None when not set
    listings: dict[str, int | None] = field(default_factory=dict)
    listing_patches: list[dict[str, Any]] = field(default_factory=list)  # accepted bodies
    edits_after_read: dict[str, int] = field(default_factory=dict)


class FakeAmazon:
    """Amazon as one or more sellers' apps see it. ``base_url`` is set once it is served."""

    def __init__(
        self,
        *,
        access_token_seconds: int = 3600,
        rates: dict[str, tuple[float, int]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.access_token_seconds = access_token_seconds
        self.token_answers = HeldAnswers()  # a test can hold refreshes to make a race certain
        self.rates = {**RATES, **(rates or {})}
        self.base_url = ""
        self.sellers: dict[str, FakeSeller] = {}
        self.requests: list[RecordedRequest] = []
        self._clock = clock
        self._access: dict[str, tuple[str, float]] = {}  # token → (seller, expiry)
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._scripted: list[_Scripted] = []
        self._lose: list[str] = []  # path fragments whose next answer is lost
        self._pages: dict[str, tuple[str, list[str], int, int]] = {}  # NextToken → query state
        self._ids = itertools.count(1)
        self.app = self._build_app()

    # -- scripting ------------------------------------------------------------------------

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/auth/o2/token"

    def seller(self, seller_id: str | None = None) -> FakeSeller:
        """A seller that authorised the app: its LWA client and refresh token."""
        seller_id = seller_id or f"A{secrets.token_hex(6).upper()}"
        if seller_id not in self.sellers:
            self.sellers[seller_id] = FakeSeller(
                seller_id=seller_id,
                client_id=f"amzn1.application-oa2-client.{secrets.token_hex(16)}",
                client_secret=f"amzn1.oa2-cs.v1.{secrets.token_hex(32)}",
                refresh_token=f"Atzr|{secrets.token_urlsafe(48)}",
            )
        return self.sellers[seller_id]

    def add_order(
        self, seller_id: str, body: dict[str, Any], items: list[dict[str, Any]]
    ) -> dict[str, Any]:
        seller = self.sellers[seller_id]
        seller.orders[body["AmazonOrderId"]] = body
        seller.items[body["AmazonOrderId"]] = items
        return body

    def update_order(self, seller_id: str, amazon_order_id: str, **changes: Any) -> dict[str, Any]:
        """Change an order the way Amazon does: its ``LastUpdateDate`` moves on."""
        body = self.sellers[seller_id].orders[amazon_order_id]
        last = datetime.fromisoformat(body["LastUpdateDate"].replace("Z", "+00:00"))
        stamp = max(datetime.now(UTC).replace(microsecond=0), last + timedelta(seconds=1))
        body.update(changes, LastUpdateDate=iso(stamp))
        return body

    def set_items(self, seller_id: str, amazon_order_id: str, items: list[dict[str, Any]]) -> None:
        self.sellers[seller_id].items[amazon_order_id] = items

    def serve_stale_once(self, seller_id: str, snapshot: dict[str, Any]) -> None:
        """The next listing shows ``snapshot`` (an older copy) instead of the current order:
        an answer from a replica that had not caught up."""
        self.sellers[seller_id].stale[snapshot["AmazonOrderId"]] = dict(snapshot)

    def serve_stale_get_once(self, seller_id: str, snapshot: dict[str, Any]) -> None:
        """The next ``getOrder`` of the order answers ``snapshot`` (an older copy)."""
        self.sellers[seller_id].stale_get[snapshot["AmazonOrderId"]] = dict(snapshot)

    def add_listing(self, seller_id: str, sku: str, quantity: int | None = None) -> None:
        """A listing of the seller's SKU, with a merchant-fulfilled quantity or none."""
        self.sellers[seller_id].listings[sku] = quantity

    def edit_after_next_read(self, seller_id: str, sku: str, quantity: int) -> None:
        """Right after the next answered read of the listing, the seller sets its quantity
        in Seller Central (a change between a caller's read and its patch)."""
        self.sellers[seller_id].edits_after_read[sku] = quantity

    def listing_quantity(self, seller_id: str, sku: str) -> int | None:
        return self.sellers[seller_id].listings[sku]

    def fail_next(self, status: int, n: int = 1, *, path_contains: str | None = None) -> None:
        self._scripted.extend(_Scripted(status, path_contains) for _ in range(n))

    def lose_next_answer(self, path_contains: str) -> None:
        """The next matching request takes effect at Amazon, but its answer is a 500."""
        self._lose.append(path_contains)

    def packages(self, seller_id: str, amazon_order_id: str) -> list[dict[str, Any]]:
        """The packages confirmed for the order, one per ``packageReferenceId``."""
        return list(self.sellers[seller_id].packages.get(amazon_order_id, {}).values())

    def recover(self) -> None:
        """No scripted failure is left."""
        self._scripted.clear()

    def expire_access_tokens(self) -> None:
        """Every access token issued so far expires now (an hour has passed)."""
        now = self._clock()
        self._access = {k: (seller, now - 1) for k, (seller, _) in self._access.items()}

    def revoke(self, seller_id: str) -> None:
        """The seller removed the app's authorisation: its refresh token is refused."""
        self.sellers[seller_id].revoked = True

    def requests_to(self, method: str, path_contains: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and path_contains in r.path]

    # -- HTTP -----------------------------------------------------------------------------

    def _admit(self, seller_id: str, operation: str) -> Response | None:
        rate, burst = self.rates[operation]
        now = self._clock()
        bucket = self._buckets.setdefault(
            (seller_id, operation), _Bucket(rate=rate, burst=burst, tokens=burst, updated=now)
        )
        bucket.tokens = min(float(bucket.burst), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens < 1.0:
            return JSONResponse(QUOTA_EXCEEDED, status_code=429, headers=self._rate(operation))
        bucket.tokens -= 1.0
        return None

    def _rate(self, operation: str) -> dict[str, str]:
        return {RATE_HEADER: f"{self.rates[operation][0]:g}"}

    def _scripted_failure(self, path: str, operation: str) -> Response | None:
        scripted = next(
            (s for s in self._scripted if s.path_contains is None or s.path_contains in path), None
        )
        if scripted is None:
            return None
        self._scripted.remove(scripted)
        headers = self._rate(operation)
        if scripted.status == 429:
            return JSONResponse(QUOTA_EXCEEDED, status_code=429, headers=headers)
        if scripted.status >= 500:
            body = errors("InternalFailure", "We encountered an internal error. Please try again.")
            return JSONResponse(body, status_code=scripted.status, headers=headers)
        return JSONResponse(
            errors("InvalidInput", "scripted failure"), status_code=scripted.status, headers=headers
        )

    def _seller_of(self, request: Request) -> FakeSeller | Response:
        token = request.headers.get("x-amz-access-token")
        found = self._access.get(token or "")
        if found is None:
            return JSONResponse(
                errors("Unauthorized", "Access to requested resource is denied.", ""),
                status_code=403,
            )
        seller_id, expires = found
        if expires <= self._clock():
            return JSONResponse(
                errors(
                    "Unauthorized",
                    "Access to requested resource is denied.",
                    "The access token you provided has expired.",
                ),
                status_code=403,
            )
        return self.sellers[seller_id]

    async def _grant(self, form: dict[str, str]) -> Response:
        if form.get("grant_type") != "refresh_token":
            return JSONResponse(
                {"error": "unsupported_grant_type", "error_description": "grant_type"},
                status_code=400,
            )
        seller = next(
            (s for s in self.sellers.values() if s.refresh_token == form.get("refresh_token")),
            None,
        )
        if seller is not None and (
            seller.client_id != form.get("client_id")
            or seller.client_secret != form.get("client_secret")
        ):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                status_code=401,
            )
        if seller is None or seller.revoked:
            return JSONResponse(
                {
                    "error": "invalid_grant",
                    "error_description": "The request has an invalid grant parameter : "
                    "refresh_token",
                },
                status_code=400,
            )
        await self.token_answers.pass_through()
        seller.refreshes += 1
        token = f"Atza|{secrets.token_urlsafe(48)}"
        self._access[token] = (seller.seller_id, self._clock() + self.access_token_seconds)
        return JSONResponse(
            {
                "access_token": token,
                "refresh_token": seller.refresh_token,
                "token_type": "bearer",
                "expires_in": self.access_token_seconds,
            }
        )

    def _list(self, seller: FakeSeller, params: dict[str, str]) -> Response:
        next_token = params.get("NextToken")
        if next_token:
            state = self._pages.pop(next_token, None)
            if state is None or state[0] != seller.seller_id:
                return JSONResponse(errors("InvalidInput", "Invalid NextToken."), status_code=400)
            _, chosen, offset, size = state
        else:
            marketplaces = [m for m in params.get("MarketplaceIds", "").split(",") if m]
            if not marketplaces:
                return JSONResponse(
                    errors("InvalidInput", "MarketplaceIds is required."), status_code=400
                )
            after_text = params.get("LastUpdatedAfter") or params.get("CreatedAfter")
            if not after_text:
                return JSONResponse(
                    errors(
                        "InvalidInput", "Either CreatedAfter or LastUpdatedAfter must be specified."
                    ),
                    status_code=400,
                )
            try:
                after = datetime.fromisoformat(after_text.replace("Z", "+00:00"))
                size = int(params.get("MaxResultsPerPage", "100"))
            except ValueError:
                return JSONResponse(errors("InvalidInput", "Invalid input."), status_code=400)
            if not 1 <= size <= 100:
                return JSONResponse(
                    errors("InvalidInput", "MaxResultsPerPage must be 1-100."), status_code=400
                )
            key = "LastUpdateDate" if params.get("LastUpdatedAfter") else "PurchaseDate"
            matching = [
                o
                for o in seller.orders.values()
                if o["MarketplaceId"] in marketplaces
                and datetime.fromisoformat(o[key].replace("Z", "+00:00")) >= after
            ]
            matching.sort(key=lambda o: (o["LastUpdateDate"], o["AmazonOrderId"]))
            chosen, offset = [o["AmazonOrderId"] for o in matching], 0
        page_ids = chosen[offset : offset + size]
        page = []
        for oid in page_ids:
            stale = seller.stale.pop(oid, None)
            page.append(stale if stale is not None else seller.orders[oid])
        payload: dict[str, Any] = {
            "Orders": page,
            "LastUpdatedBefore": iso(datetime.now(UTC)),
        }
        if offset + size < len(chosen):
            token = secrets.token_urlsafe(24)
            self._pages[token] = (seller.seller_id, chosen, offset + size, size)
            payload["NextToken"] = token
        return JSONResponse({"payload": payload}, headers=self._rate("getOrders"))

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="fake Amazon Selling Partner API")

        @app.middleware("http")
        async def record(request: Request, call_next: Any) -> Response:
            body = await request.body()
            form: dict[str, str] = {}
            if request.headers.get("content-type", "").startswith(FORM):
                form = dict(parse_qsl(body.decode()))
            # Recorded before it is handled: a test that sees the handler's effect on the
            # fake's state sees the request too (the status follows once it is answered,
            # before the caller can read the answer).
            recorded = RecordedRequest(
                method=request.method,
                path=request.url.path,
                params=dict(request.query_params),
                form=form,
                headers=dict(request.headers),
                status=0,
            )
            self.requests.append(recorded)
            response: Response = await call_next(request)
            recorded.status = response.status_code
            return response

        @app.post("/auth/o2/token")
        async def token(request: Request) -> Response:
            form = dict(parse_qsl((await request.body()).decode()))
            return await self._grant(form)

        @app.get("/orders/v0/orders")
        async def get_orders(request: Request) -> Response:
            seller = self._seller_of(request)
            if isinstance(seller, Response):
                return seller
            refused = self._scripted_failure(request.url.path, "getOrders") or self._admit(
                seller.seller_id, "getOrders"
            )
            if refused is not None:
                return refused
            return self._list(seller, dict(request.query_params))

        @app.get("/orders/v0/orders/{amazon_order_id}")
        async def get_order(amazon_order_id: str, request: Request) -> Response:
            seller = self._seller_of(request)
            if isinstance(seller, Response):
                return seller
            refused = self._scripted_failure(request.url.path, "getOrder") or self._admit(
                seller.seller_id, "getOrder"
            )
            if refused is not None:
                return refused
            found = seller.stale_get.pop(amazon_order_id, None) or seller.orders.get(
                amazon_order_id
            )
            if found is None:
                return JSONResponse(
                    errors("NotFound", "Order not found", amazon_order_id),
                    status_code=404,
                    headers=self._rate("getOrder"),
                )
            return JSONResponse({"payload": found}, headers=self._rate("getOrder"))

        @app.get("/orders/v0/orders/{amazon_order_id}/orderItems")
        async def get_order_items(amazon_order_id: str, request: Request) -> Response:
            seller = self._seller_of(request)
            if isinstance(seller, Response):
                return seller
            refused = self._scripted_failure(request.url.path, "getOrderItems") or self._admit(
                seller.seller_id, "getOrderItems"
            )
            if refused is not None:
                return refused
            items = seller.items.get(amazon_order_id)
            if items is None:
                return JSONResponse(
                    errors("NotFound", "Order not found", amazon_order_id),
                    status_code=404,
                    headers=self._rate("getOrderItems"),
                )
            return JSONResponse(
                {"payload": {"OrderItems": items, "AmazonOrderId": amazon_order_id}},
                headers=self._rate("getOrderItems"),
            )

        @app.post("/orders/v0/orders/{amazon_order_id}/shipmentConfirmation")
        async def confirm_shipment(amazon_order_id: str, request: Request) -> Response:
            seller = self._seller_of(request)
            if isinstance(seller, Response):
                return seller
            path = request.url.path
            refused = self._scripted_failure(path, "confirmShipment") or self._admit(
                seller.seller_id, "confirmShipment"
            )
            if refused is not None:
                return refused
            try:
                body = await request.json()
            except ValueError:
                body = None
            answer = self._confirm(seller, amazon_order_id, body)
            lost = next((p for p in self._lose if p in path), None)
            if lost is not None and answer.status_code == 204:
                self._lose.remove(lost)
                body = errors("InternalFailure", "We encountered an internal error.")
                return JSONResponse(body, status_code=500, headers=self._rate("confirmShipment"))
            return answer

        @app.get(LISTINGS + "/{seller_id}/{sku}")
        async def get_listings_item(seller_id: str, sku: str, request: Request) -> Response:
            seller = self._listing_seller(request, seller_id, "getListingsItem")
            if isinstance(seller, Response):
                return seller
            headers = self._rate("getListingsItem")
            if sku not in seller.listings:
                return JSONResponse(
                    errors("NOT_FOUND", f"SKU '{sku}' not found in marketplace"),
                    status_code=404,
                    headers=headers,
                )
            included = request.query_params.get("includedData", "summaries").split(",")
            item: dict[str, Any] = {"sku": sku}
            if "summaries" in included:
                item["summaries"] = [
                    {
                        "marketplaceId": request.query_params["marketplaceIds"].split(",")[0],
                        "productType": "CANDLE",
                        "status": ["BUYABLE"],
                        "itemName": f"Hand-poured candle {sku}",
                    }
                ]
            if "fulfillmentAvailability" in included:
                quantity = seller.listings[sku]
                item["fulfillmentAvailability"] = (
                    []
                    if quantity is None
                    else [{"fulfillmentChannelCode": "DEFAULT", "quantity": quantity}]
                )
            if sku in seller.edits_after_read:
                seller.listings[sku] = seller.edits_after_read.pop(sku)
            return JSONResponse(item, headers=headers)

        @app.patch(LISTINGS + "/{seller_id}/{sku}")
        async def patch_listings_item(seller_id: str, sku: str, request: Request) -> Response:
            seller = self._listing_seller(request, seller_id, "patchListingsItem")
            if isinstance(seller, Response):
                return seller
            headers = self._rate("patchListingsItem")
            if sku not in seller.listings:
                return JSONResponse(
                    errors("NOT_FOUND", f"SKU '{sku}' not found in marketplace"),
                    status_code=404,
                    headers=headers,
                )
            try:
                body = await request.json()
            except ValueError:
                body = None
            quantity = _patched_quantity(body)
            if isinstance(quantity, str):
                return JSONResponse(
                    errors("InvalidInput", quantity), status_code=400, headers=headers
                )
            seller.listings[sku] = quantity
            seller.listing_patches.append({"sku": sku, **body})
            answer = {
                "sku": sku,
                "status": "ACCEPTED",
                "submissionId": secrets.token_hex(16),
                "issues": [],
            }
            return JSONResponse(answer, headers=headers)

        return app

    def _listing_seller(
        self, request: Request, seller_id: str, operation: str
    ) -> FakeSeller | Response:
        """The caller's seller, when it is the one in the path and within its quota."""
        seller = self._seller_of(request)
        if isinstance(seller, Response):
            return seller
        if seller.seller_id != seller_id:
            return JSONResponse(
                errors("Unauthorized", "Access to requested resource is denied."),
                status_code=403,
            )
        if not request.query_params.get("marketplaceIds"):
            return JSONResponse(
                errors("InvalidInput", "marketplaceIds is required."),
                status_code=400,
                headers=self._rate(operation),
            )
        return (
            self._scripted_failure(request.url.path, operation)
            or self._admit(seller.seller_id, operation)
            or seller
        )

    def _confirm(self, seller: FakeSeller, amazon_order_id: str, body: Any) -> Response:
        headers = self._rate("confirmShipment")

        def invalid(message: str) -> Response:
            return JSONResponse(errors("InvalidInput", message), status_code=400, headers=headers)

        found = seller.orders.get(amazon_order_id)
        if found is None:
            return JSONResponse(
                errors("NotFound", "Order not found", amazon_order_id),
                status_code=404,
                headers=headers,
            )
        if not isinstance(body, dict) or not isinstance(body.get("packageDetail"), dict):
            return invalid("packageDetail is required.")
        if body.get("marketplaceId") != found["MarketplaceId"]:
            return invalid("marketplaceId does not match the order.")
        package = body["packageDetail"]
        reference = package.get("packageReferenceId")
        if not isinstance(reference, str) or not reference.isdigit() or int(reference) <= 0:
            return invalid("packageReferenceId must be a positive number.")
        for name in ("carrierCode", "trackingNumber", "shipDate"):
            if not isinstance(package.get(name), str) or not package[name]:
                return invalid(f"{name} is required.")
        if package["carrierCode"] == "Other" and not package.get("carrierName"):
            return invalid("carrierName is required when carrierCode is Other.")
        if found["OrderStatus"] in ("Canceled", "Shipped", "Pending"):
            return invalid(f"The order is {found['OrderStatus']}.")
        items = {i["OrderItemId"]: i for i in seller.items[amazon_order_id]}
        shipped = seller.packages.setdefault(amazon_order_id, {})
        previous = shipped.get(reference)
        wanted = package.get("orderItems")
        if not isinstance(wanted, list) or not wanted:
            return invalid("orderItems is required.")
        for entry in wanted:
            item = items.get(entry.get("orderItemId")) if isinstance(entry, dict) else None
            if item is None:
                return invalid("orderItemId is not an item of the order.")
            already = sum(
                int(e["quantity"])
                for ref, p in shipped.items()
                if ref != reference
                for e in p["orderItems"]
                if e["orderItemId"] == item["OrderItemId"]
            )
            quantity = entry.get("quantity")
            if (
                not isinstance(quantity, int)
                or not 0 < quantity <= item["QuantityOrdered"] - already
            ):
                return invalid("quantity exceeds what is left to ship.")
        shipped[reference] = dict(package)  # the same reference again edits that package
        if previous is None:
            self._ship_items(seller, amazon_order_id)
        return Response(status_code=204, headers=headers)

    def _ship_items(self, seller: FakeSeller, amazon_order_id: str) -> None:
        packages = seller.packages[amazon_order_id].values()
        for item in seller.items[amazon_order_id]:
            item["QuantityShipped"] = sum(
                int(e["quantity"])
                for p in packages
                for e in p["orderItems"]
                if e["orderItemId"] == item["OrderItemId"]
            )
        done = all(
            i["QuantityShipped"] >= i["QuantityOrdered"] for i in seller.items[amazon_order_id]
        )
        self.update_order(
            seller.seller_id,
            amazon_order_id,
            OrderStatus="Shipped" if done else "PartiallyShipped",
        )


def _patched_quantity(body: Any) -> int | str:
    """The DEFAULT quantity a ``patchListingsItem`` body sets, or why it is refused. Only
    the ``fulfillment_availability`` attribute is understood by the fake."""
    if not isinstance(body, dict) or not isinstance(body.get("productType"), str):
        return "productType is required."
    patches = body.get("patches")
    if not isinstance(patches, list) or len(patches) != 1 or not isinstance(patches[0], dict):
        return "patches must hold one patch (the fake knows fulfillment_availability only)."
    patch = patches[0]
    if patch.get("op") not in ("add", "replace", "merge"):
        return f"op {patch.get('op')!r} is not supported here."
    if patch.get("path") != "/attributes/fulfillment_availability":
        return f"path {patch.get('path')!r} is not supported here."
    value = patch.get("value")
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        return "fulfillment_availability takes one entry."
    entry = value[0]
    quantity = entry.get("quantity")
    if entry.get("fulfillment_channel_code") != "DEFAULT":
        return "fulfillment_channel_code must be DEFAULT."
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        return "quantity must be a whole number of at least 0."
    return quantity


@asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[FakeAmazon]:
    """A ``FakeAmazon`` served on a free loopback port for the duration of the block."""
    fake = FakeAmazon(**options)
    async with serving(fake.app) as base_url:
        fake.base_url = base_url
        yield fake
