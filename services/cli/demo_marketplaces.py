"""The demo's Amazon seller and WooCommerce store: connected through the gateway like any
other, against the local fakes `make run` starts (deploy/demo_marketplaces.py), whose
``/demo.json`` says their credentials and SKUs. Then one Amazon poll and one WooCommerce
reconciliation, so their orders are in Lotline at once. Nothing answers there (a real
deployment, or ``LOTLINE_DEMO_MARKETPLACES=0``): the steps are skipped, never failed."""

from __future__ import annotations

import os
from typing import Any

import httpx

from services.cli.client import Gateway, GatewayError, segment

PORT_ENV = "LOTLINE_PORTS__DEMO_MARKETPLACES"
DEFAULT_PORT = 8106
ALREADY_THERE = frozenset({409})

Steps = list[tuple[str, str]]


def marketplaces_url() -> str:
    return f"http://127.0.0.1:{os.environ.get(PORT_ENV, DEFAULT_PORT)}"


def discover(
    url: str | None = None, *, transport: httpx.BaseTransport | None = None
) -> dict[str, Any] | None:
    """The demo marketplaces' description, or None when nothing answers at ``url``."""
    try:
        with httpx.Client(
            base_url=url or marketplaces_url(), timeout=5.0, transport=transport
        ) as c:
            answer = c.get("/demo.json")
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    try:
        found = answer.json()
    except ValueError:
        return None
    return found if isinstance(found, dict) and {"amazon", "woocommerce"} <= found.keys() else None


def _connected(gateway: Gateway, path: str, body: dict[str, Any]) -> str:
    answer = gateway.request("POST", path, json=body, accept=ALREADY_THERE)
    return "already there" if answer.status_code in ALREADY_THERE else "connected"


def _mapped(gateway: Gateway, shop: str, skus: dict[str, str]) -> Steps:
    steps = []
    for sku, item_code in skus.items():
        gateway.request(
            "PUT",
            f"/api/shops/{segment(shop)}/sku-mappings/{segment(sku)}",
            json={"item_code": item_code},
        )
        steps.append((f"{shop}: SKU {sku} → item {item_code}", "mapped"))
    return steps


def _amazon(gateway: Gateway, seller: dict[str, Any]) -> Steps:
    seller_id = seller["seller_id"]
    body = {
        key: seller[key]
        for key in (
            "seller_id",
            "marketplace_ids",
            "region",
            "lwa_client_id",
            "lwa_client_secret",
            "refresh_token",
        )
    }
    steps = [(f"Amazon seller {seller_id}", _connected(gateway, "/api/amazon/sellers", body))]
    steps += _mapped(gateway, f"amazon-{seller_id}", seller["skus"])
    what = f"Amazon seller {seller_id}: orders"
    try:
        polled = gateway.request("POST", f"/api/amazon/sellers/{segment(seller_id)}/poll").json()
        steps.append((f"{what} ({polled['orders']} read, {polled['published']} new)", "polled"))
    except GatewayError as error:
        steps.append((f"{what} ({error})", "not polled"))
    return steps


def _woocommerce(gateway: Gateway, store: dict[str, Any]) -> Steps:
    shop = store["shop"]
    body = {
        key: store[key]
        for key in ("shop", "base_url", "consumer_key", "consumer_secret", "webhook_secret")
    }
    steps = [(f"WooCommerce store {shop}", _connected(gateway, "/api/woocommerce/stores", body))]
    steps += _mapped(gateway, shop, store["skus"])
    what = f"WooCommerce store {shop}: orders"
    try:
        run = gateway.request("POST", f"/api/woocommerce/stores/{segment(shop)}/reconcile").json()
    except GatewayError as error:
        steps.append((f"{what} ({error})", "not read"))
        return steps
    if run.get("error"):
        steps.append((f"{what} ({run['error']})", "not read"))
    else:
        steps.append((f"{what} ({run['orders_seen']} read, {run['published']} new)", "reconciled"))
    return steps


def seed(gateway: Gateway, description: dict[str, Any]) -> Steps:
    """Connect the demo seller and store (what exists is left as it is), map their SKUs to
    the demo items, and read their orders once."""
    return [
        *_amazon(gateway, description["amazon"]),
        *_woocommerce(gateway, description["woocommerce"]),
    ]
