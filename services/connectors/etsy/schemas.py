"""HTTP models of the Etsy routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


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


class PollOut(BaseModel):
    pages: int
    receipts: int
    published: int
    watermark: int | None
