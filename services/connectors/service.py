"""Connectors use cases: register shops and SKU mappings; what a webhook delivery is
(accepted in ``shopify/deliveries.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import repository
from services.connectors.stock_push import stock_tracking


class WebhookRejected(Exception):
    """A webhook we refuse; ``status`` is the HTTP answer (401 bad signature, 400 bad body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


class ConnectorError(ValueError):
    pass


class ShopExists(ConnectorError):
    pass


class UnknownShop(ConnectorError):
    pass


@dataclass(frozen=True)
class ShopifyDelivery:
    """A webhook request as received: raw bytes and the headers Shopify sends."""

    body: bytes
    shop: str | None
    topic: str | None
    hmac: str | None
    webhook_id: str | None
    event_id: str | None


async def register_shop(
    engine: AsyncEngine,
    *,
    domain: str,
    channel: str,
    secret: str,
    admin: dict[str, Any] | None = None,
) -> Any:
    """``admin``: optional ``admin_api_url``, ``access_token``, ``notify_customer``."""
    async with engine.begin() as conn:
        if not await repository.insert_shop(conn, domain=domain, channel=channel, secret=secret):
            raise ShopExists(f"shop {domain} is already registered")
        await repository.update_shop(conn, domain, admin or {})
        return await repository.shop(conn, domain)


async def update_shop(engine: AsyncEngine, domain: str, admin: dict[str, Any]) -> Any:
    """Set the shop's Admin API access; only the keys given change."""
    async with engine.begin() as conn:
        if not await repository.update_shop(conn, domain, admin):
            raise UnknownShop(f"unknown shop {domain}")
        if admin.keys() & {"admin_api_url", "access_token"}:
            await stock_tracking.shop_access_changed(conn, domain)
        return await repository.shop(conn, domain)
