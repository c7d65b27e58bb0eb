"""HTTP models of the connectors API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _admin_url(value: str | None) -> str | None:
    """HTTPS only: the access token travels in a header. Plain HTTP is for a local fake."""
    if value is None:
        return None
    if not _printable_ascii(value):
        raise ValueError("admin_api_url must be printable ASCII")
    parts = urlsplit(value)
    if not parts.hostname:
        raise ValueError("admin_api_url must be an absolute URL")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return value
    raise ValueError("admin_api_url must use https (plain http only on loopback)")


def _header_safe(value: SecretStr | None) -> SecretStr | None:
    """The token is sent as a header: a character a header cannot carry would fail every
    later push and reconciliation of the shop, so it is refused here instead."""
    if value is not None and not _printable_ascii(value.get_secret_value()):
        raise ValueError("access_token must be printable ASCII without spaces")
    return value


def _printable_ascii(value: str) -> bool:
    return all("!" <= char <= "~" for char in value)


def _no_control_characters(value: SecretStr) -> SecretStr:
    """A secret typed or pasted with a NUL or a line break is a mistake, not a secret."""
    if any(ord(char) < 32 or ord(char) == 127 for char in value.get_secret_value()):
        raise ValueError("webhook_secret must not contain control characters")
    return value


AdminUrl = Annotated[str | None, AfterValidator(_admin_url)]
WebhookSecret = Annotated[SecretStr, Field(min_length=8), AfterValidator(_no_control_characters)]
AccessToken = Annotated[SecretStr | None, AfterValidator(_header_safe)]
# Where a refund's restocked goods go (docs/connectors.md, "Edits, cancellations and refunds").
RestockTo = Literal["origin_lot", "quarantine"]


class ShopIn(BaseModel):
    domain: str = Field(min_length=3, max_length=255, pattern=r"^[A-Za-z0-9.\-]+$")
    channel: str = "shopify"
    webhook_secret: WebhookSecret
    admin_api_url: AdminUrl = None
    access_token: AccessToken = Field(default=None, min_length=1)
    notify_customer: bool = False
    restock_to: RestockTo = "origin_lot"
    test_orders_live: bool = False  # a trial run: the channel's test orders become demand


class ShopPatch(BaseModel):
    """Only the fields sent change; ``admin_api_url: null`` goes back to the default URL,
    ``access_token: null`` removes the token."""

    model_config = ConfigDict(extra="forbid")

    admin_api_url: AdminUrl = None
    access_token: AccessToken = Field(default=None, min_length=1)
    notify_customer: bool | None = None
    restock_to: RestockTo | None = None
    test_orders_live: bool | None = None


class ShopOut(BaseModel):
    """A shop as operators see it: whether it has a token, never the token."""

    domain: str
    channel: str
    created_at: datetime | None = None
    admin_api_url: str | None = None
    has_access_token: bool = False
    access_token_hint: str | None = Field(
        default=None, description="its last four characters, to tell tokens apart"
    )
    notify_customer: bool = False
    restock_to: RestockTo = "origin_lot"
    test_orders_live: bool = False
    uninstalled_at: datetime | None = None  # app/uninstalled received: the shop is disabled


class SkuMappingIn(BaseModel):
    item_code: str = Field(min_length=1)


class SkuMappingOut(BaseModel):
    sku: str  # a SKU, or variant:<id> / product:<id> / listing:<id> for lines without one
    item_code: str


class WebhookAnswer(BaseModel):
    status: str


WriteBackStatus = Literal["pending", "done", "dead"]


class WriteBackOut(BaseModel):
    """A write-back to a channel and where it stands; ``payload`` is what is sent."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    shipment_id: UUID
    order_id: UUID
    shop: str
    external_id: str
    kind: str
    status: WriteBackStatus
    attempts: int
    last_error: str | None
    external_fulfillment_id: str | None
    payload: dict[str, Any]
    created_at: datetime
    updated_at: datetime
