"""``demo seed``'s marketplace steps: the demo Amazon seller and WooCommerce store connected
once, their SKUs mapped, their orders read; skipped when the demo fakes do not answer."""

from __future__ import annotations

import json
from typing import Any

import httpx

from deploy.demo_marketplaces import DemoMarketplaces
from services.cli import demo_marketplaces
from services.cli.client import Gateway

DESCRIPTION = DemoMarketplaces("http://127.0.0.1:8106").description()
SELLER = DESCRIPTION["amazon"]["seller_id"]
STORE = DESCRIPTION["woocommerce"]["shop"]


class FakeLotline:
    """The gateway's routes the steps call: connect (409 the second time), map, poll."""

    def __init__(self, *, poll_status: int = 200) -> None:
        self.connected: set[str] = set()
        self.mappings: dict[tuple[str, str], str] = {}
        self.polls = 0
        self.poll_status = poll_status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        body: Any = json.loads(request.content) if request.content else None
        if (method, path) in (("POST", "/api/amazon/sellers"), ("POST", "/api/woocommerce/stores")):
            key = body.get("seller_id") or body["shop"]
            if key in self.connected:
                return httpx.Response(409, json={"detail": f"shop {key} is already registered"})
            self.connected.add(key)
            return httpx.Response(201, json={})
        if method == "PUT" and "/sku-mappings/" in path:
            shop, sku = path.split("/")[3], path.split("/")[5]
            self.mappings[(shop, sku)] = body["item_code"]
            return httpx.Response(200, json={})
        if path == f"/api/amazon/sellers/{SELLER}/poll":
            self.polls += 1
            new = 1 if self.polls == 1 else 0
            if self.poll_status != 200:
                return httpx.Response(self.poll_status, json={"detail": "Amazon said no"})
            return httpx.Response(200, json={"orders": 3, "published": new})
        if path == f"/api/woocommerce/stores/{STORE}/reconcile":
            return httpx.Response(200, json={"orders_seen": 2, "published": 0, "error": None})
        return httpx.Response(404, json={"detail": f"{method} {path}"})


def seed(fake: FakeLotline) -> dict[str, str]:
    with Gateway("http://lotline.test", transport=httpx.MockTransport(fake)) as gateway:
        return dict(demo_marketplaces.seed(gateway, DESCRIPTION))


def test_the_seller_and_store_are_connected_once_and_their_skus_mapped_to_demo_items():
    fake = FakeLotline()

    first, second = seed(fake), seed(fake)

    assert first[f"Amazon seller {SELLER}"] == "connected"
    assert second[f"Amazon seller {SELLER}"] == "already there"
    assert second[f"WooCommerce store {STORE}"] == "already there"
    assert first[f"Amazon seller {SELLER}: orders (3 read, 1 new)"] == "polled"
    assert second[f"Amazon seller {SELLER}: orders (3 read, 0 new)"] == "polled"
    assert second[f"WooCommerce store {STORE}: orders (2 read, 0 new)"] == "reconciled"
    assert fake.mappings[(f"amazon-{SELLER}", "AMZ-HONEY-250")] == "HONEY-JAR-250G"
    assert fake.mappings[(STORE, "woo-lavender-soap")] == "LAVENDER-SOAP-100G"


def test_a_poll_that_fails_is_reported_not_raised():
    steps = seed(FakeLotline(poll_status=502))

    failed = [what for what, outcome in steps.items() if outcome == "not polled"]
    assert failed == [f"Amazon seller {SELLER}: orders (POST /api/amazon/sellers/{SELLER}/poll "
                      "failed: HTTP 502: Amazon said no)"]  # fmt: skip
    assert steps[f"WooCommerce store {STORE}: orders (2 read, 0 new)"] == "reconciled"


def test_nothing_answering_means_no_demo_marketplaces():
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    assert (
        demo_marketplaces.discover("http://127.0.0.1:8106", transport=httpx.MockTransport(refused))
        is None
    )
    assert (
        demo_marketplaces.discover(
            "http://127.0.0.1:8106", transport=httpx.MockTransport(lambda r: httpx.Response(404))
        )
        is None
    )


async def test_the_demo_fakes_describe_themselves_and_their_orders():
    transport = httpx.ASGITransport(app=DemoMarketplaces("http://127.0.0.1:8106").app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8106") as client:
        described = (await client.get("/demo.json")).json()
        status = (await client.get("/status")).json()
        ready = (await client.get("/readyz")).status_code

    assert described == DESCRIPTION and ready == 200
    found = demo_marketplaces.discover(
        "http://127.0.0.1:8106",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=described)),
    )
    assert found == DESCRIPTION
    amazon = {(o["status"], o["fulfillment_channel"]) for o in status["amazon"]}
    assert amazon == {("Unshipped", "MFN"), ("Pending", "MFN"), ("Shipped", "AFN")}
    assert sorted(o["status"] for o in status["woocommerce"]) == ["pending", "processing"]
