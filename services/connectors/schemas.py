"""HTTP models of the connectors API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, SecretStr


class ShopIn(BaseModel):
    domain: str = Field(min_length=3, max_length=255, pattern=r"^[A-Za-z0-9.\-]+$")
    channel: str = "shopify"
    webhook_secret: SecretStr = Field(min_length=8)


class ShopOut(BaseModel):
    domain: str
    channel: str
    created_at: datetime | None = None


class SkuMappingIn(BaseModel):
    item_code: str = Field(min_length=1)


class SkuMappingOut(BaseModel):
    sku: str
    item_code: str


class WebhookAnswer(BaseModel):
    status: str
