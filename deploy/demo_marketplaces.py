"""The demo's marketplaces for `make run`: an Amazon seller and a WooCommerce store served by
the suite's faithful fakes (tests/fakes) on one loopback port, so the demo's Amazon and
WooCommerce orders flow without a network or an account anywhere.

    python -m deploy.demo_marketplaces     # 127.0.0.1:8106 (LOTLINE_PORTS__DEMO_MARKETPLACES)
                                           # and moto's SQS on 8107 (that port + 1)

- ``/amazon/…``: the Selling Partner API (Orders v0, Listings) and Login with Amazon
  (``/amazon/auth/o2/token``); deploy/supervisor.py points the connectors' Amazon settings here;
- ``/woocommerce/<store>/wp-json/wc/v3/…``: the WooCommerce store's REST API;
- ``/demo.json``: the demo seller's and store's credentials and SKUs, which ``demo seed``
  (services/cli/demo_marketplaces.py) connects through the gateway;
- ``/status``: the fakes' orders as the marketplaces see them now (a confirmed shipment
  shows as ``Shipped`` / ``completed``); ``/readyz`` for the supervisor;
- ``POST /demo/amazon/orders?sku=…&quantity=…``: a buyer's new order, and its
  ``ORDER_CHANGE`` notification on the SQS queue (moto, on the next port: 8107) the
  connectors read; ``POST /demo/woocommerce/orders?sku=…&quantity=…``: a customer's new
  order, and the store's signed ``order.created`` webhook to the gateway
  (``LOTLINE_PORTS__GATEWAY``).

Lives in deploy/ (beside mailcatcher.py, the other stand-in `make run` starts), not in
services/: it imports tests.fakes, which no service may import. Its state is in memory: a
restart forgets the orders added since and what was confirmed (a shipped order shows
``Unshipped`` again), but the starting orders keep their ids, so the connectors' polls and
reconciliations never take one twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import httpx
import uvicorn
from aiobotocore.session import get_session
from fastapi import FastAPI, HTTPException, Query, Request, Response
from moto.server import ThreadedMotoServer

from tests.fakes import amazon, amazon_sqs, woocommerce
from tests.fakes.amazon import FakeAmazon, FakeSeller
from tests.fakes.amazon_sqs import FakeQueue
from tests.fakes.woocommerce import FakeWooCommerce, Store

PORT_ENV = "LOTLINE_PORTS__DEMO_MARKETPLACES"
DEFAULT_PORT = 8106
HOST = "127.0.0.1"
KEEP_REQUESTS = 500  # the fakes record every request; a long demo keeps the latest only

# Demo credentials, accepted by these fakes only: fixed, so a restarted process still
# accepts what the seed stored.
SELLER_ID = "A2LOTLINEDEMO1"
LWA_CLIENT_ID = "amzn1.application-oa2-client.lotlinedemo"
LWA_CLIENT_SECRET = "amzn1.oa2-cs.v1.lotline-demo-secret"
REFRESH_TOKEN = "Atzr|lotline-demo-refresh-token"
STORE = "lotline-demo-woo"
CONSUMER_KEY = "ck_lotlinedemo0000000000000000000000000000"
CONSUMER_SECRET = "cs_lotlinedemo0000000000000000000000000000"
WEBHOOK_SECRET = "lotline-demo-woo-webhook"

# marketplace SKU → the demo item it sells (services/cli/demo.py)
AMAZON_SKUS = {"AMZ-HONEY-250": "HONEY-JAR-250G", "AMZ-SOAP-LAV": "LAVENDER-SOAP-100G"}
WOO_SKUS = {"woo-lavender-soap": "LAVENDER-SOAP-100G", "woo-honey-jar": "HONEY-JAR-250G"}
PRICES = {"AMZ-HONEY-250": "8.90", "AMZ-SOAP-LAV": "6.50", "woo-lavender-soap": "6.50",
          "woo-honey-jar": "8.90"}  # fmt: skip
# Amazon's ORDER_CHANGE notifications: a moto SQS server on the next port, one queue.
QUEUE_NAME = "lotline-demo-amazon-notifications"
MOTO_ACCOUNT = "123456789012"  # moto's account: part of every queue URL it gives
TITLES = {
    "AMZ-HONEY-250": "Wildflower honey 250 g jar",
    "AMZ-SOAP-LAV": "Lavender soap 100 g",
    "woo-lavender-soap": "Lavender soap 100 g",
    "woo-honey-jar": "Wildflower honey 250 g jar",
}
# The demo's marketplace orders: what becomes a Lotline order and what does not (yet).
AMAZON_UNSHIPPED = "302-5550101-0000001"  # MFN, Unshipped: 2 honey jars, reserved from stock
AMAZON_PENDING = "302-5550101-0000002"  # Pending: not paid yet, no demand
AMAZON_FBA = "302-5550101-0000003"  # AFN: Amazon shipped it from its warehouse, a sale only
WOO_PROCESSING = 9001  # processing: 3 lavender soaps, reserved from stock
WOO_PENDING = 9002  # pending payment: no demand


def demo_amazon(fake: FakeAmazon) -> FakeSeller:
    """The demo seller, its listings and its three orders."""
    seller = FakeSeller(SELLER_ID, LWA_CLIENT_ID, LWA_CLIENT_SECRET, REFRESH_TOKEN)
    fake.sellers[SELLER_ID] = seller
    for sku in AMAZON_SKUS:
        fake.add_listing(SELLER_ID, sku, 0)
    now = datetime.now(UTC).replace(microsecond=0)
    orders = (
        (AMAZON_UNSHIPPED, "AMZ-HONEY-250", 2, "17.80", "Unshipped", "MFN"),
        (AMAZON_PENDING, "AMZ-SOAP-LAV", 1, "6.50", "Pending", "MFN"),
        (AMAZON_FBA, "AMZ-HONEY-250", 1, "8.90", "Shipped", "AFN"),
    )
    for n, (oid, sku, quantity, price, status, channel) in enumerate(orders):
        items = [amazon.order_item(sku, quantity, price, item_id=f"5550101{n:07d}")]
        items[0]["Title"] = TITLES[sku]
        if status == "Shipped":
            items[0]["QuantityShipped"] = quantity
        body = amazon.order(
            oid,
            items,
            status=status,
            fulfillment_channel=channel,
            updated=now - timedelta(minutes=10 - n),
        )
        fake.add_order(SELLER_ID, body, items)
    return seller


def demo_woocommerce(fake: FakeWooCommerce) -> Store:
    """The demo store, its products and its two orders (``fake.base_url`` set first)."""
    store = Store(
        STORE,
        f"{fake.base_url}/{STORE}",
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        webhook_secret=WEBHOOK_SECRET,
    )
    fake.stores[STORE] = store
    for sku in WOO_SKUS:
        store.add_product(sku, stock=0)
    for oid, sku, quantity, subtotal, status in (
        (WOO_PROCESSING, "woo-lavender-soap", 3, "19.50", "processing"),
        (WOO_PENDING, "woo-honey-jar", 1, "8.90", "pending"),
    ):
        placed = woocommerce.order(
            oid, [(sku, quantity, subtotal)], status=status, modified=store.tick()
        )
        placed["line_items"][0]["name"] = TITLES[sku]
        store.orders[oid] = placed
    return store


Quantity = Annotated[int, Query(ge=1, le=100)]  # of a new demo order


def queue_port(port: int) -> int:
    return port + 1


def queue_url(port: int) -> str:
    """The URL of the notifications queue when the demo marketplaces listen on ``port``."""
    return f"http://{HOST}:{queue_port(port)}/{MOTO_ACCOUNT}/{QUEUE_NAME}"


class DemoMarketplaces:
    """Both fakes behind one ASGI app at ``base_url``; ``queue``: where Amazon's
    notifications of new orders go; ``gateway_url``: where the store's webhooks go."""

    def __init__(
        self, base_url: str, *, queue: FakeQueue | None = None, gateway_url: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.queue = queue
        self.gateway_url = gateway_url
        # Quicker plans than Amazon's (one getOrders a minute): the demo's polls never wait.
        self.amazon = FakeAmazon(rates={"getOrders": (4.0, 20), "getOrderItems": (10.0, 30)})
        self.amazon.base_url = f"{self.base_url}/amazon"
        self.woocommerce = FakeWooCommerce()
        self.woocommerce.base_url = f"{self.base_url}/woocommerce"
        self.seller = demo_amazon(self.amazon)
        self.store = demo_woocommerce(self.woocommerce)
        self.app = self._build_app()

    def description(self) -> dict[str, Any]:
        """What ``demo seed`` needs to connect the seller and the store."""
        return {
            "amazon": {
                "seller_id": SELLER_ID,
                "marketplace_ids": [amazon.MARKETPLACE_DE],
                "region": "eu",
                "lwa_client_id": LWA_CLIENT_ID,
                "lwa_client_secret": LWA_CLIENT_SECRET,
                "refresh_token": REFRESH_TOKEN,
                "endpoint": self.amazon.base_url,
                "lwa_token_url": self.amazon.token_url,
                "skus": AMAZON_SKUS,
            },
            "woocommerce": {
                "shop": STORE,
                "base_url": self.store.base_url,
                "consumer_key": CONSUMER_KEY,
                "consumer_secret": CONSUMER_SECRET,
                "webhook_secret": WEBHOOK_SECRET,
                "skus": WOO_SKUS,
            },
        }

    def status(self) -> dict[str, Any]:
        """The orders as the marketplaces see them now, and the stock they were last told."""
        return {
            "amazon": [
                {
                    "amazon_order_id": oid,
                    "status": body["OrderStatus"],
                    "fulfillment_channel": body["FulfillmentChannel"],
                    "packages": list(self.seller.packages.get(oid, {}).values()),
                }
                for oid, body in self.seller.orders.items()
            ],
            "amazon_listings": dict(self.seller.listings),
            "woocommerce": [
                {"id": oid, "status": body["status"], "notes": len(self.store.notes.get(oid, []))}
                for oid, body in self.store.orders.items()
            ],
            "woocommerce_stock": {
                p["sku"]: p["stock_quantity"] for p in self.store.products.values()
            },
        }

    async def new_amazon_order(self, sku: str, quantity: int) -> dict[str, Any]:
        """A buyer's order, paid (``Unshipped``), and its ``ORDER_CHANGE`` notification."""
        price = f"{Decimal(PRICES[sku]) * quantity:.2f}"
        item = amazon.order_item(sku, quantity, price)
        item["Title"] = TITLES[sku]
        body = self.amazon.add_order(SELLER_ID, amazon.order(amazon.order_id(), [item]), [item])
        notified = False
        if self.queue is not None:
            await self.queue.send(amazon_sqs.order_change(SELLER_ID, body))
            notified = True
        return {"amazon_order_id": body["AmazonOrderId"], "notified": notified}

    async def new_woocommerce_order(self, sku: str, quantity: int) -> dict[str, Any]:
        """A customer's order, paid (``processing``), and the store's signed webhook."""
        subtotal = f"{Decimal(PRICES[sku]) * quantity:.2f}"
        # ids from the clock: never one an earlier run of this process gave (Lotline knows it)
        oid = max(int(time.time()), max(self.store.orders) + 1)
        placed = woocommerce.order(oid, [(sku, quantity, subtotal)], modified=self.store.tick())
        placed["line_items"][0]["name"] = TITLES[sku]
        self.store.orders[oid] = placed
        webhook: int | str = "not sent (no gateway)"
        if self.gateway_url:
            url = f"{self.gateway_url}/webhooks/woocommerce/{STORE}"
            try:
                async with httpx.AsyncClient(timeout=10.0) as http:
                    answer = await self.store.deliver(http, url, "order.created", placed["id"])
                webhook = answer.status_code
            except httpx.HTTPError as error:
                webhook = f"not delivered ({type(error).__name__}): reconciliation reads it"
        return {"id": placed["id"], "webhook": webhook}

    def _trim(self) -> None:
        del self.amazon.requests[:-KEEP_REQUESTS]
        del self.store.requests[:-KEEP_REQUESTS]

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="Lotline demo marketplaces", openapi_url=None)

        @app.middleware("http")
        async def trim(request: Request, call_next: Any) -> Response:
            response: Response = await call_next(request)
            self._trim()
            return response

        @app.get("/readyz")
        async def readyz() -> dict[str, str]:
            return {"status": "ready"}

        @app.get("/demo.json")
        async def demo() -> dict[str, Any]:
            return self.description()

        @app.get("/status")
        async def status() -> dict[str, Any]:
            return self.status()

        def checked(sku: str, skus: dict[str, str]) -> str:
            if sku not in skus:
                raise HTTPException(422, f"sku must be one of {', '.join(skus)}")
            return sku

        @app.post("/demo/amazon/orders")
        async def amazon_order(sku: str = "AMZ-HONEY-250", quantity: Quantity = 1) -> Any:
            return await self.new_amazon_order(checked(sku, AMAZON_SKUS), quantity)

        @app.post("/demo/woocommerce/orders")
        async def woocommerce_order(sku: str = "woo-lavender-soap", quantity: Quantity = 1) -> Any:
            return await self.new_woocommerce_order(checked(sku, WOO_SKUS), quantity)

        app.mount("/amazon", self.amazon.app)
        app.mount("/woocommerce", self.woocommerce.app)
        return app


def port() -> int:
    return int(os.environ.get(PORT_ENV, DEFAULT_PORT))


@contextlib.asynccontextmanager
async def notification_queue(port_number: int) -> AsyncIterator[FakeQueue]:
    """moto's SQS server on ``queue_port``, with the demo's notifications queue."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address=HOST, port=queue_port(port_number), verbose=False)
    await asyncio.to_thread(server.start)
    try:
        endpoint = f"http://{HOST}:{queue_port(port_number)}"
        async with get_session().create_client(
            "sqs",
            region_name=amazon_sqs.REGION,
            endpoint_url=endpoint,
            aws_access_key_id=amazon_sqs.ACCESS_KEY_ID,
            aws_secret_access_key=amazon_sqs.SECRET_ACCESS_KEY,
        ) as sqs:
            created = await sqs.create_queue(QueueName=QUEUE_NAME)
        if created["QueueUrl"] != queue_url(port_number):
            raise RuntimeError(f"moto named the queue {created['QueueUrl']}")
        yield FakeQueue(endpoint_url=endpoint, queue_url=queue_url(port_number))
    finally:
        await asyncio.to_thread(server.stop)


async def serve(port_number: int) -> None:
    gateway_url = f"http://{HOST}:{os.environ.get('LOTLINE_PORTS__GATEWAY', '8000')}"
    async with notification_queue(port_number) as queue:
        marketplaces = DemoMarketplaces(
            f"http://{HOST}:{port_number}", queue=queue, gateway_url=gateway_url
        )
        config = uvicorn.Config(
            marketplaces.app, host=HOST, port=port_number, log_level="warning", access_log=False
        )
        server = uvicorn.Server(config)  # stops cleanly on SIGTERM / SIGINT
        print(
            f"demo marketplaces on http://{HOST}:{port_number}: Amazon seller {SELLER_ID} "
            f"(/amazon, notifications on {queue.queue_url}), WooCommerce store {STORE} "
            f"(/woocommerce/{STORE}, webhooks to {gateway_url})",
            flush=True,
        )
        await server.serve()


def main() -> None:
    asyncio.run(serve(port()))


if __name__ == "__main__":
    main()
