"""HTTP models of the Amazon routes: secrets go in, never out."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class AmazonCredentials(BaseModel):
    """A Login with Amazon client and the refresh token the seller's authorisation gave."""

    lwa_client_id: str = Field(min_length=1, max_length=200)
    lwa_client_secret: SecretStr = Field(min_length=1, max_length=500)
    refresh_token: SecretStr = Field(min_length=1, max_length=2000)


class AmazonSellerIn(AmazonCredentials):
    seller_id: str = Field(pattern=r"^[A-Z0-9]{6,20}$", description="the selling partner id")
    marketplace_ids: list[str] = Field(min_length=1, max_length=50)
    region: str = Field(default="eu", description="na, eu or fe: the SP-API endpoint")


class AmazonSellerOut(BaseModel):
    """A seller as operators see it: whether it is authorised, never its secrets."""

    seller_id: str
    domain: str
    marketplace_ids: list[str]
    region: str
    lwa_client_id: str
    authorised: bool
    revoked_at: datetime | None
    revoked_reason: str | None
    access_expires_at: datetime | None
    orders_watermark: datetime | None
    last_polled_at: datetime | None
    last_poll_error: str | None

    @classmethod
    def of(cls, row: Any) -> AmazonSellerOut:
        return cls(
            seller_id=row.seller_id,
            domain=row.domain,
            marketplace_ids=list(row.marketplace_ids),
            region=row.region,
            lwa_client_id=row.lwa_client_id,
            authorised=row.refresh_token is not None and row.revoked_at is None,
            revoked_at=row.revoked_at,
            revoked_reason=row.revoked_reason,
            access_expires_at=row.access_expires_at,
            orders_watermark=row.orders_watermark,
            last_polled_at=row.last_polled_at,
            last_poll_error=row.last_poll_error,
        )


OrderOutcome = Literal[
    "pending",
    "published",
    "cancel_requested",
    "cancelled_unpublished",
    "cancelled_after_publish",
    "shipped_before_seen",
    "fba_sale",
    "unreadable",
]


class AmazonOrderOut(BaseModel):
    """What the poller did with an Amazon order (``fba_sale``: sold from Amazon's own
    warehouse, no factory lot reserved)."""

    model_config = ConfigDict(from_attributes=True)

    amazon_order_id: str
    order_status: str
    fulfillment_channel: str
    marketplace_id: str | None
    last_update_date: datetime
    total_amount: Decimal | None
    total_currency: str | None
    outcome: OrderOutcome
    buyer_cancel_reason: str | None
    problem: str | None
    first_seen_at: datetime
    updated_at: datetime


class AmazonPollOut(BaseModel):
    pages: int
    orders: int
    published: int
    cancelled: int
    watermark: datetime | None


class FbaTotal(BaseModel):
    """The sold FBA orders of one currency: how many, and the sum of their totals."""

    currency: str | None
    orders: int
    amount: Decimal


class AmazonFbaSalesOut(BaseModel):
    """Sales from Amazon's own warehouse: recorded, never factory demand. ``totals`` count
    the sold ones (not ``Pending``, ``Canceled`` or ``Unfulfillable``), per currency;
    ``not_sold`` the others."""

    seller_id: str
    totals: list[FbaTotal]
    not_sold: int
    sales: list[AmazonOrderOut]
