"""A faithful local fake of WooCommerce's REST API v3 and its order webhooks, for order
reconciliation, fulfilment write-back and stock push.

Served over real HTTP (``running_fake()``), several stores side by side, each under its own
base URL (``{base}/{store}``, so each store's API is ``{base}/{store}/wp-json/wc/v3``):

- HTTP Basic with the store's consumer key and secret on every call; a missing or wrong one
  is 401 with WooCommerce's error body (``{"code": "woocommerce_rest_cannot_view",
  "message": …, "data": {"status": 401}}``; ``…_cannot_create`` / ``…_cannot_edit`` for
  POST / PUT);
- ``GET /orders`` with ``modified_after`` (strictly after; ``dates_are_gmt``), ``status``
  (``any`` by default), ``orderby`` (``date``, ``id``, ``modified``), ``order``,
  ``per_page`` (1–100, else 400 ``rest_invalid_param``) and ``page``, answered with the
  ``X-WP-Total`` / ``X-WP-TotalPages`` headers; ``GET``/``PUT /orders/{id}`` (a PUT of
  ``status`` moves ``date_modified``); ``GET``/``POST /orders/{id}/notes``;
- ``GET /products?sku=`` (products and variations alike, as WooCommerce does when a SKU is
  asked for), ``GET``/``PUT /products/{id}`` and ``/products/{parent}/variations/{id}``
  (``stock_quantity``, ``manage_stock``);
- webhooks: ``signed_delivery()`` builds the body and the ``X-WC-Webhook-*`` headers of an
  ``order.created`` / ``order.updated`` / ``order.deleted`` delivery signed with the
  store's webhook secret (``deliver()`` posts it).

Orders are built by ``order()`` in the shape of real REST v3 answers: ``id``,
``parent_id``, ``number``, ``order_key``, ``status``, ``currency``, ``date_created`` /
``date_modified`` and their ``_gmt`` twins (one-second resolution, no zone), decimal
strings for money, ``billing``, ``shipping``, ``line_items`` (``price`` a JSON number),
``shipping_lines``, ``meta_data``. A store's clock never gives two changes the same second
unless told to (``same_second=True``).

Scripting: ``fail_next(n, status, retry_after, path=…)`` answers the next n API calls of a
store (under ``path``) with that status. Every request is recorded (``requests_to``).

ASSUMED, not documented by WooCommerce: the body of a 429 or 5xx (WooCommerce core does not
rate-limit REST v3; a host or CDN in front of it answers those).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakes import serving

API = "/wp-json/wc/v3"
STAMP = "%Y-%m-%dT%H:%M:%S"
_ids = itertools.count(4750)
_line_ids = itertools.count(310)


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime(STAMP)


def order(
    order_id: int,
    lines: list[tuple[str, int, str]],
    *,
    status: str = "processing",
    currency: str = "EUR",
    modified: datetime | None = None,
    shipping_total: str = "4.90",
) -> dict[str, Any]:
    """A REST v3 order: ``lines`` are (sku, quantity, line subtotal as a decimal string)."""
    when = modified or datetime.now(UTC).replace(microsecond=0)
    items = []
    for n, (sku, quantity, subtotal) in enumerate(lines):
        line_id = next(_line_ids)
        variation = 0 if n % 2 == 0 else 9100 + n
        items.append(
            {
                "id": line_id,
                "name": f"Lavender soap {sku or 'unlabelled'}",
                "product_id": 8800 + n,
                "variation_id": variation,
                "quantity": quantity,
                "tax_class": "",
                "subtotal": subtotal,
                "subtotal_tax": "0.00",
                "total": subtotal,
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
                "sku": sku,
                "price": float(Decimal(subtotal) / quantity),
                "image": {"id": "", "src": ""},
                "parent_name": "Lavender soap" if variation else None,
            }
        )
    goods = sum((Decimal(s) for _, _, s in lines), Decimal("0.00"))
    address = {
        "first_name": "Giulia",
        "last_name": "Bianchi",
        "company": "",
        "address_1": "Via Roma 12",
        "address_2": "",
        "city": "Bologna",
        "state": "BO",
        "postcode": "40121",
        "country": "IT",
    }
    return {
        "id": order_id,
        "parent_id": 0,
        "status": status,
        "currency": currency,
        "version": "9.4.2",
        "prices_include_tax": False,
        "date_created": stamp(when),
        "date_modified": stamp(when),
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": shipping_total,
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": str(goods + Decimal(shipping_total)),
        "total_tax": "0.00",
        "customer_id": 0,
        "order_key": f"wc_order_{secrets.token_hex(6)}",
        "billing": {**address, "email": "giulia@example.org", "phone": "+39 051 000000"},
        "shipping": {**address, "phone": ""},
        "payment_method": "bacs",
        "payment_method_title": "Direct bank transfer",
        "transaction_id": "",
        "customer_ip_address": "127.0.0.1",
        "customer_user_agent": "Mozilla/5.0",
        "created_via": "checkout",
        "customer_note": "",
        "date_completed": None,
        "date_paid": None,
        "cart_hash": secrets.token_hex(16),
        "number": str(order_id),
        "meta_data": [{"id": 1, "key": "is_vat_exempt", "value": "no"}],
        "line_items": items,
        "tax_lines": [],
        "shipping_lines": [
            {
                "id": next(_line_ids),
                "method_title": "Corriere espresso",
                "method_id": "flat_rate",
                "instance_id": "1",
                "total": shipping_total,
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        ],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
        "payment_url": "",
        "is_editable": status in ("pending", "on-hold", "checkout-draft"),
        "needs_payment": status in ("pending", "on-hold", "failed"),
        "needs_processing": True,
        "date_created_gmt": stamp(when),
        "date_modified_gmt": stamp(when),
        "date_completed_gmt": None,
        "date_paid_gmt": None,
        "currency_symbol": "€",
    }


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Recorded:
    method: str
    path: str
    status: int
    body: Any


@dataclass
class Store:
    name: str
    base_url: str
    consumer_key: str = field(default_factory=lambda: f"ck_{secrets.token_hex(20)}")
    consumer_secret: str = field(default_factory=lambda: f"cs_{secrets.token_hex(20)}")
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    webhook_id: int = 7
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    failures: deque[tuple[int, str | None, str]] = field(default_factory=deque)
    last_tick: datetime | None = None

    def tick(self, *, same_second: bool = False) -> datetime:
        """The store's clock: each change a second later than the last, at least."""
        now = datetime.now(UTC).replace(microsecond=0)
        if self.last_tick is not None:
            floor = self.last_tick if same_second else self.last_tick + timedelta(seconds=1)
            now = max(now, floor)
        self.last_tick = now
        return now

    def new_order(
        self, lines: list[tuple[str, int, str]], *, status: str = "processing", **options: Any
    ) -> dict[str, Any]:
        created = order(next(_ids), lines, status=status, modified=self.tick(), **options)
        self.orders[created["id"]] = created
        return created

    def change(self, order_id: int, *, same_second: bool = False, **values: Any) -> dict[str, Any]:
        """Change an order as the shop admin would; its ``date_modified`` moves."""
        found = self.orders[order_id]
        found.update(values)
        when = stamp(self.tick(same_second=same_second))
        found["date_modified"] = found["date_modified_gmt"] = when
        if values.get("status") == "completed":
            found["date_completed"] = found["date_completed_gmt"] = when
        copy: dict[str, Any] = json.loads(json.dumps(found))
        return copy

    def add_product(
        self, sku: str, *, stock: int | None = None, parent: int | None = None
    ) -> dict[str, Any]:
        product_id = 9000 + len(self.products) * 7
        product = {
            "id": product_id,
            "name": f"Soap {sku}",
            "type": "variation" if parent else "simple",
            "parent_id": parent or 0,
            "sku": sku,
            "manage_stock": stock is not None,
            "stock_quantity": stock,
            "stock_status": "instock" if stock else "outofstock",
            "date_modified_gmt": stamp(self.tick()),
        }
        self.products[product_id] = product
        return product

    def fail_next(
        self, count: int, status: int = 429, retry_after: str | None = "0.1", *, path: str = ""
    ) -> None:
        """Answer the next ``count`` calls whose path (after ``/wp-json/wc/v3/``) starts
        with ``path`` with ``status``."""
        self.failures.extend([(status, retry_after, path)] * count)

    def scripted_failure(self, rest: str) -> tuple[int, str | None] | None:
        for index, (status, retry_after, path) in enumerate(self.failures):
            if rest.startswith(path):
                del self.failures[index]
                return status, retry_after
        return None

    def signed_delivery(
        self,
        topic: str,
        order_id: int,
        *,
        delivery_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers WooCommerce sends for ``topic`` about the order as it is
        now (``payload`` to send an older picture)."""
        if topic == "order.deleted":
            body_json: dict[str, Any] = {"id": order_id}
        else:
            body_json = payload if payload is not None else self.orders[order_id]
        body = json.dumps(body_json).encode()
        resource, _, event = topic.partition(".")
        headers = {
            "content-type": "application/json",
            "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
            "x-wc-webhook-source": f"{self.base_url}/",
            "x-wc-webhook-topic": topic,
            "x-wc-webhook-resource": resource,
            "x-wc-webhook-event": event,
            "x-wc-webhook-signature": sign(body, self.webhook_secret),
            "x-wc-webhook-id": str(self.webhook_id),
            "x-wc-webhook-delivery-id": delivery_id or secrets.token_hex(16),
        }
        return body, headers

    async def deliver(
        self, http: httpx.AsyncClient, url: str, topic: str, order_id: int, **options: Any
    ) -> httpx.Response:
        body, headers = self.signed_delivery(topic, order_id, **options)
        return await http.post(url, content=body, headers=headers)

    def requests_to(self, method: str, path_suffix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status, content={"code": code, "message": message, "data": {"status": status}}
    )


CANNOT = {
    "GET": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "POST": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "PUT": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
}


class FakeWooCommerce:
    def __init__(self) -> None:
        self.base_url = ""
        self.stores: dict[str, Store] = {}
        self.app = self._build_app()

    def store(self, name: str | None = None) -> Store:
        name = name or f"shop{secrets.token_hex(4)}"
        created = Store(name, f"{self.base_url}/{name}")
        self.stores[name] = created
        return created

    def _authorized(self, store: Store, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            key, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(key, store.consumer_key) and hmac.compare_digest(
            secret, store.consumer_secret
        )

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="fake WooCommerce REST API v3")

        @app.api_route(API_ROUTE, methods=["GET", "POST", "PUT"])
        async def api(store_name: str, rest: str, request: Request) -> Response:
            store = self.stores.get(store_name)
            if store is None:
                return _error(404, "rest_no_route", "No route was found matching the URL.")
            body = await request.body()
            data = json.loads(body) if body else None
            answer = self._answer(store, request, rest.strip("/"), data)
            store.requests.append(Recorded(request.method, f"/{rest}", answer.status_code, data))
            return answer

        return app

    def _answer(self, store: Store, request: Request, rest: str, data: Any) -> Response:
        method = request.method
        if not self._authorized(store, request):
            code, message = CANNOT[method]
            return _error(401, code, message)
        failure = store.scripted_failure(rest)
        if failure is not None:
            status, retry_after = failure
            headers = {"retry-after": retry_after} if retry_after else {}
            return Response(
                "Too Many Requests" if status == 429 else "Bad Gateway", status, headers
            )
        parts = rest.split("/")
        params = request.query_params
        match parts:
            case ["orders"] if method == "GET":
                return self._list_orders(store, params)
            case ["orders", order_id] if order_id.isdigit():
                found = store.orders.get(int(order_id))
                if found is None:
                    return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
                if method == "PUT" and isinstance(data, dict):
                    return JSONResponse(store.change(int(order_id), **data))
                return JSONResponse(found)
            case ["orders", order_id, "notes"] if order_id.isdigit():
                if int(order_id) not in store.orders:
                    return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
                notes = store.notes.setdefault(int(order_id), [])
                if method == "POST" and isinstance(data, dict):
                    note = {
                        "id": 200 + sum(len(n) for n in store.notes.values()),
                        "author": "WooCommerce",
                        "date_created_gmt": stamp(store.tick(same_second=True)),
                        "note": data.get("note", ""),
                        "customer_note": bool(data.get("customer_note")),
                    }
                    notes.append(note)
                    return JSONResponse(note, status_code=201)
                return JSONResponse(list(reversed(notes)))
            case ["products"] if method == "GET":
                sku = params.get("sku")
                hits = [p for p in store.products.values() if sku is None or p["sku"] == sku]
                return JSONResponse(hits, headers=_paging(len(hits), 1))
            case ["products", product_id] | ["products", _, "variations", product_id]:
                product = store.products.get(int(product_id)) if product_id.isdigit() else None
                if product is None:
                    return _error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
                if method == "PUT" and isinstance(data, dict):
                    product.update(
                        {k: data[k] for k in ("stock_quantity", "manage_stock") if k in data}
                    )
                    product["date_modified_gmt"] = stamp(store.tick())
                return JSONResponse(product)
        return _error(404, "rest_no_route", "No route was found matching the URL and method.")

    def _list_orders(self, store: Store, params: Any) -> Response:
        try:
            per_page = int(params.get("per_page", "10"))
            page = int(params.get("page", "1"))
        except ValueError:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page, page")
        if not 1 <= per_page <= 100 or page < 1:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        found = list(store.orders.values())
        after = params.get("modified_after")
        if after:
            field_name = "date_modified_gmt" if params.get("dates_are_gmt") else "date_modified"
            found = [o for o in found if o[field_name] > after[:19]]
        status = params.get("status", "any")
        if status != "any":
            found = [o for o in found if o["status"] in status.split(",")]
        key = {"modified": "date_modified_gmt", "id": "id"}.get(
            params.get("orderby", "date"), "date_created_gmt"
        )
        found.sort(key=lambda o: (o[key], o["id"]), reverse=params.get("order", "desc") == "desc")
        pages = max(1, -(-len(found) // per_page)) if found else 0
        chunk = found[(page - 1) * per_page : page * per_page]
        return JSONResponse(chunk, headers=_paging(len(found), pages))


API_ROUTE = "/{store_name}" + API + "/{rest:path}"


def _paging(total: int, pages: int) -> dict[str, str]:
    return {"x-wp-total": str(total), "x-wp-totalpages": str(pages)}


@asynccontextmanager
async def running_fake() -> AsyncIterator[FakeWooCommerce]:
    """A ``FakeWooCommerce`` served on a free loopback port for the duration of the block."""
    fake = FakeWooCommerce()
    async with serving(fake.app) as base_url:
        fake.base_url = base_url
        yield fake
