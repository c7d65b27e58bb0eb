"""What a WooCommerce store or an Amazon seller adds to its shop's page, and the bodies the
connect forms send. Secrets pass through to the connectors' API and nowhere else: a form
kept after a refusal holds only the fields that are not secret."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request

from services.gateway.dashboard.screen import upstream_of
from services.gateway.dashboard.upstream import UpstreamError

AMAZON_PREFIX = "amazon-"  # the connectors file a seller among the shops as amazon-<seller_id>
REGIONS = ("na", "eu", "fe")
WOO_FIELDS = ("shop", "base_url")
WOO_SECRETS = ("consumer_key", "consumer_secret", "webhook_secret")
AMAZON_FIELDS = ("seller_id", "marketplace_ids", "region", "lwa_client_id")
AMAZON_SECRETS = ("lwa_client_secret", "refresh_token")


NO_STATE: dict[str, Any] = {"store": None, "seller": None, "fba": None}


def seller_of(domain: str) -> str:
    return domain.removeprefix(AMAZON_PREFIX)


def store_path(shop: str) -> str:
    return f"/api/woocommerce/stores/{quote(shop, safe='')}"


def seller_path(seller_id: str) -> str:
    return f"/api/amazon/sellers/{quote(seller_id, safe='')}"


def shop_url(domain: str) -> str:
    return f"/channels/shops/{quote(domain, safe='')}"


async def state_of(request: Request, shop: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """The channel's own state for the shop page: ``store`` for WooCommerce, ``seller`` and
    ``fba`` for Amazon; a refusal joins the page's errors."""
    upstream = upstream_of(request)
    found = dict(NO_STATE)
    try:
        if shop["channel"] == "woocommerce":
            found["store"] = await upstream.get(store_path(shop["domain"]))
        elif shop["channel"] == "amazon":
            path = seller_path(seller_of(shop["domain"]))
            found["seller"] = await upstream.get(path)
            found["fba"] = await upstream.get(f"{path}/fba-sales", params={"limit": 1})
    except UpstreamError as refused:
        errors.append(refused.detail)
    return found


def split_form(
    raw: Any, fields: tuple[str, ...], secrets: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, str]]:
    """The form's plain fields (kept to show again) and its secrets (sent, never shown)."""
    plain = {k: str(raw.get(k, "")).strip() for k in fields}
    hidden = {k: str(raw.get(k, "")).strip() for k in secrets}
    return plain, hidden


def missing(plain: dict[str, str], hidden: dict[str, str]) -> bool:
    return not all(plain.values()) or not all(hidden.values())


def marketplaces(text: str) -> list[str]:
    """``A1PA6795UKMFR9, APJ6JRA9NG5V4`` → the ids, in order, without blanks."""
    return [m.strip() for m in text.replace("\n", ",").split(",") if m.strip()]
