"""The REST orders listing of a fake Shopify shop, for reconciliation, and the order objects
it (and the webhooks) carry.

``GET /admin/api/<version>/orders.json`` beside the fake's GraphQL endpoint: checks
``X-Shopify-Access-Token``; reads ``status`` (``any``, ``open``, ``closed``, ``cancelled``),
``updated_at_min``, ``limit`` (≤ 250) and ``order``; paginates with an opaque ``page_info``
cursor in a ``Link: <…>; rel="next"`` header and, like Shopify, refuses any other parameter
beside ``page_info`` except ``limit`` and ``fields`` (400). Scripted faults come from the
admin fake (``fail_next(status, operation=OPERATION, retry_after=…)``, ``fail_always``):
429 with ``Retry-After``, 5xx. Every request is recorded in ``requests``.

Order objects are shaped like Shopify's REST Order (the webhook body): 64-bit ids,
``updated_at`` with an offset, ``line_items[].current_quantity``, ``cancelled_at``,
``cancel_reason``, ``refunds[].refund_line_items[].restock_type``.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from tests.fakes.shopify_admin import UNAUTHORIZED, FakeShopifyAdmin

OPERATION = "orders.json"
MAX_LIMIT = 250


def shopify_id() -> int:
    """A 64-bit id above 2**53, like Shopify's."""
    return random.randint(2**60, 2**63 - 1)


def stamp(moment: datetime) -> str:
    """Shopify's timestamp: seconds, with the shop's offset."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def rest_order(
    lines: list[tuple[str, int]],
    *,
    order_id: int | None = None,
    updated_at: datetime | None = None,
) -> dict[str, Any]:
    """A fresh, open order with one line per (sku, quantity)."""
    oid = order_id or shopify_id()
    now = updated_at or datetime.now(UTC)
    return {
        "id": oid,
        "admin_graphql_api_id": f"gid://shopify/Order/{oid}",
        "name": f"#{oid % 10000}",
        "email": "anna.rossi@example.org",
        "created_at": stamp(now),
        "updated_at": stamp(now),
        "cancelled_at": None,
        "cancel_reason": None,
        "closed_at": None,
        "currency": "EUR",
        "customer_locale": "it",
        "customer": {"id": shopify_id(), "first_name": "Anna", "last_name": "Rossi"},
        "shipping_address": {"name": "Anna Rossi", "city": "Torino", "country_code": "IT"},
        "line_items": [
            {
                "id": shopify_id(),
                "sku": sku,
                "title": sku.title(),
                "quantity": qty,
                "current_quantity": qty,
                "fulfillable_quantity": qty,
                "price": "9.90",
                "variant_id": shopify_id(),
            }
            for sku, qty in lines
        ],
        "refunds": [],
    }


def touched(order: dict[str, Any], *, seconds: int = 1) -> dict[str, Any]:
    """A copy of ``order`` whose ``updated_at`` is later by ``seconds``."""
    later = datetime.fromisoformat(order["updated_at"]) + timedelta(seconds=seconds)
    return {**json.loads(json.dumps(order)), "updated_at": stamp(later)}


def cancelled(order: dict[str, Any], *, reason: str = "customer") -> dict[str, Any]:
    """What ``orders/cancelled`` carries: cancelled, every line's current quantity 0."""
    copy = touched(order)
    copy["cancelled_at"] = copy["updated_at"]
    copy["cancel_reason"] = reason
    for line in copy["line_items"]:
        line["current_quantity"] = 0
        line["fulfillable_quantity"] = 0
    return copy


def edited(order: dict[str, Any], quantities: dict[int, int]) -> dict[str, Any]:
    """An order edit: line index → new current quantity."""
    copy = touched(order)
    for index, quantity in quantities.items():
        copy["line_items"][index]["current_quantity"] = quantity
        copy["line_items"][index]["fulfillable_quantity"] = quantity
    return copy


def refund(
    order: dict[str, Any], restocked: dict[int, int], *, restock_type: str = "return"
) -> dict[str, Any]:
    """A ``refunds/create`` body: line index → quantity refunded with ``restock_type``."""
    rid = shopify_id()
    return {
        "id": rid,
        "admin_graphql_api_id": f"gid://shopify/Refund/{rid}",
        "order_id": order["id"],
        "created_at": stamp(datetime.now(UTC)),
        "note": "Returned by the customer",
        "restock": True,
        "refund_line_items": [
            {
                "id": shopify_id(),
                "line_item_id": order["line_items"][index]["id"],
                "location_id": 655441491,
                "quantity": quantity,
                "restock_type": restock_type,
                "subtotal": 9.9,
                "line_item": order["line_items"][index],
            }
            for index, quantity in restocked.items()
        ],
        "transactions": [],
    }


def wire(payload: dict[str, Any]) -> bytes:
    """Compact JSON with ``/`` escaped as ``\\/``, as Shopify's encoder writes it."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


def _cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _uncursor(token: str) -> dict[str, Any]:
    return dict(json.loads(base64.urlsafe_b64decode(token.encode())))


def _matches_status(order: dict[str, Any], status: str) -> bool:
    if status == "any":
        return True
    if status == "cancelled":
        return order.get("cancelled_at") is not None
    if status == "closed":
        return order.get("closed_at") is not None
    return order.get("cancelled_at") is None and order.get("closed_at") is None  # open


class FakeOrdersListing:
    """The shop's orders as its REST listing sees them; served on the admin fake's app."""

    def __init__(self, admin: FakeShopifyAdmin) -> None:
        self.admin = admin
        self.orders: dict[int, dict[str, Any]] = {}
        self.requests: list[tuple[dict[str, str], int]] = []
        admin.app.add_api_route("/admin/api/{version}/orders.json", self._serve, methods=["GET"])

    @property
    def url(self) -> str:
        return self.admin.url.rpartition("/")[0] + "/orders.json"

    def put(self, order: dict[str, Any]) -> None:
        """The shop's current picture of ``order`` (what the next listing returns)."""
        self.orders[int(order["id"])] = json.loads(json.dumps(order))

    async def _serve(self, version: str, request: Request) -> Response:
        params = dict(request.query_params)
        response = self._answer(request, params)
        self.requests.append((params, response.status_code))
        return response

    def _answer(self, request: Request, params: dict[str, str]) -> Response:
        admin = self.admin
        if request.headers.get("x-shopify-access-token") != admin.access_token:
            return JSONResponse({"errors": UNAUTHORIZED}, status_code=401)
        scripted = admin._always or next(
            (s for s in admin._scripted if s.operation in (None, OPERATION)), None
        )
        if scripted is not None:
            if scripted is not admin._always:
                admin._scripted.remove(scripted)
            return admin._failure(scripted)
        try:
            limit = min(int(params.get("limit", "50")), MAX_LIMIT)
        except ValueError:
            return JSONResponse({"errors": {"limit": "Invalid"}}, status_code=400)
        if "page_info" in params:
            extra = set(params) - {"page_info", "limit", "fields"}
            if extra:
                return JSONResponse(
                    {"errors": {"page_info": f"cannot be combined with {sorted(extra)}"}},
                    status_code=400,
                )
            query = _uncursor(params["page_info"])
        else:
            query = {
                "status": params.get("status", "open"),
                "updated_at_min": params.get("updated_at_min"),
                "after": None,
            }
        return self._page(query, limit)

    def _page(self, query: dict[str, Any], limit: int) -> Response:
        since = query.get("updated_at_min")
        floor = datetime.fromisoformat(since) if since else None
        chosen = sorted(
            (
                o
                for o in self.orders.values()
                if _matches_status(o, query["status"])
                and (floor is None or datetime.fromisoformat(o["updated_at"]) >= floor)
            ),
            key=lambda o: (datetime.fromisoformat(o["updated_at"]), o["id"]),
        )
        after = query.get("after")
        if after is not None:
            mark = (datetime.fromisoformat(after[0]), after[1])
            chosen = [
                o for o in chosen if (datetime.fromisoformat(o["updated_at"]), o["id"]) > mark
            ]
        page, rest = chosen[:limit], chosen[limit:]
        headers = {}
        if rest:
            last = page[-1]
            token = _cursor({**query, "after": [last["updated_at"], last["id"]]})
            headers["Link"] = f'<{self.url}?limit={limit}&page_info={token}>; rel="next"'
        body = json.dumps({"orders": page}, separators=(",", ":")).replace("/", "\\/")
        return Response(body, media_type="application/json", headers=headers)
