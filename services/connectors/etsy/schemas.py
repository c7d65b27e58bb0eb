"""HTTP models of the Etsy routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class EtsyShopIn(BaseModel):
    shop_id: str = Field(pattern=r"^[1-9][0-9]{0,19}$", description="Etsy's numeric shop id")
    poll_on_webhook: bool = True


class EtsyShopOut(BaseModel):
    """A shop as operators see it: whether it is connected, never its tokens."""

    shop_id: str
    domain: str
    connected: bool
    access_expires_at: datetime | None
    receipts_watermark: int | None
    last_polled_at: datetime | None
    last_poll_error: str | None
    poll_on_webhook: bool

    @classmethod
    def of(cls, row: Any) -> EtsyShopOut:
        return cls(
            shop_id=row.shop_id,
            domain=row.domain,
            connected=row.refresh_token is not None,
            access_expires_at=row.access_expires_at,
            receipts_watermark=row.receipts_watermark,
            last_polled_at=row.last_polled_at,
            last_poll_error=row.last_poll_error,
            poll_on_webhook=row.poll_on_webhook,
        )


class AuthorizationStart(BaseModel):
    authorize_url: str
    state: str


ReceiptOutcome = Literal[
    "published",
    "awaiting_payment",
    "ended_unpublished",
    "ended_after_publish",
    "unreadable",
    "shipped_before_seen",
]


class EtsyReceiptOut(BaseModel):
    """What the poller did with a receipt. ``ended_after_publish``: Etsy cancelled or
    refunded an order Lotline holds — the operator's list until channel cancellations
    are mirrored (docs/connectors.md, Etsy)."""

    model_config = ConfigDict(from_attributes=True)

    receipt_id: str
    status: str
    outcome: ReceiptOutcome
    problem: str | None
    etsy_updated_at: int
    first_seen_at: datetime
    updated_at: datetime


class PollOut(BaseModel):
    pages: int
    receipts: int
    published: int
    watermark: int | None
