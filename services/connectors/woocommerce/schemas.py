"""HTTP models of the WooCommerce routes: secrets go in, never out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, SecretStr

from services.connectors.woocommerce.client import checked_base_url


def _header_safe(value: SecretStr) -> SecretStr:
    if not all("!" <= c <= "~" for c in value.get_secret_value()):
        raise ValueError("must be printable ASCII without spaces")
    return value


Secret = Annotated[SecretStr, Field(min_length=1, max_length=500), AfterValidator(_header_safe)]


class WooStoreIn(BaseModel):
    shop: str = Field(
        min_length=3,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9.\-]*$",
        description="Lotline's name of the store: orders and SKU mappings are filed under it",
    )
    base_url: Annotated[str, Field(max_length=500), AfterValidator(checked_base_url)]
    consumer_key: Secret
    consumer_secret: Secret
    webhook_secret: Annotated[SecretStr, Field(min_length=8, max_length=500)]


class WooStoreOut(BaseModel):
    """The store as operators see it: never its keys or webhook secret."""

    shop: str
    base_url: str
    consumer_key_hint: str = Field(description="the key's last four characters")
    webhook_path: str
    watermark: datetime | None = None
    last_reconciled_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime | None = None

    @classmethod
    def of(cls, row: Any) -> WooStoreOut:
        return cls(
            shop=row.domain,
            base_url=row.base_url,
            consumer_key_hint=str(row.consumer_key)[-4:],
            webhook_path=f"/webhooks/woocommerce/{row.domain}",
            watermark=row.watermark,
            last_reconciled_at=row.last_reconciled_at,
            last_error=row.last_error,
            created_at=row.created_at,
        )


class WooOrderOut(BaseModel):
    order_id: str
    status: str
    date_modified: datetime
    outcome: str
    source: str


class ReconcileOut(BaseModel):
    pages: int
    orders_seen: int
    published: int
    cancelled: int
    error: str | None = None
