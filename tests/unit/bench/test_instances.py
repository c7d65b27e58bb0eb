"""``make bench --instances N``: the load takes the connectors instances in turn, and every
instance's CPU is counted under its service's name."""

from __future__ import annotations

import os

import aiohttp
import pytest

from bench import load, probes
from bench.load import Delivery, Sent
from bench.system import instance_label, service_of


def delivery(n: int) -> Delivery:
    return Delivery("stock", str(n), f"w{n}", b"{}", {})


async def test_the_load_sends_arrival_i_to_base_i_mod_n(monkeypatch: pytest.MonkeyPatch):
    urls: list[str] = []

    async def post(session: aiohttp.ClientSession, url: str, d: Delivery) -> Sent:
        urls.append(url)
        return Sent(d, 0.0, 0.0, 200)

    monkeypatch.setattr(load, "_post", post)

    sent = await load.drive(
        ["http://a:1/", "http://b:2"], [delivery(n) for n in range(5)], rate=1e6
    )

    assert len(sent) == 5
    a, b = "http://a:1/webhooks/shopify", "http://b:2/webhooks/shopify"
    assert urls == [a, b, a, b, a]
    urls.clear()
    await load.drive("http://gw:8000", [delivery(1), delivery(2)], rate=1e6)
    assert urls == ["http://gw:8000/webhooks/shopify"] * 2


def test_instances_are_named_after_their_service():
    assert [instance_label("orders", n) for n in (1, 2)] == ["orders", "orders-2"]
    assert service_of("orders-2") == "orders" == service_of("orders")
    assert service_of("kafka") == "kafka"


def test_cpu_ticks_sum_every_instance_under_its_service():
    me = os.getpid()

    ticks = probes.cpu_ticks({"orders": me, "orders-2": me, "gateway": me})

    assert "orders-2" not in ticks
    # the same process read twice for orders (orders-2), once for the gateway
    assert ticks["gateway"] <= ticks["orders"] <= 2 * ticks["gateway"]
