"""Amazon settings (``LOTLINE_CONNECTORS__AMAZON__…``). Each seller brings its own Login
with Amazon client and refresh token (stored encrypted, per seller); these settings say
where Amazon answers and how hard we may ask it."""

from __future__ import annotations

from pydantic import BaseModel, Field

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
ENDPOINTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}


class OperationRate(BaseModel):
    """Amazon's usage plan of one operation: ``rate`` requests a second sustained, ``burst``
    at most at once. The ``x-amzn-RateLimit-Limit`` header of an answer replaces ``rate``."""

    rate: float = Field(gt=0)
    burst: int = Field(ge=1)


class AmazonSettings(BaseModel):
    enabled: bool = True
    lwa_token_url: str = LWA_TOKEN_URL
    # region → SP-API endpoint; a test points every region at the local fake.
    endpoints: dict[str, str] = dict(ENDPOINTS)
    get_orders: OperationRate = OperationRate(rate=0.0167, burst=20)
    get_order: OperationRate = OperationRate(rate=0.5, burst=30)
    get_order_items: OperationRate = OperationRate(rate=0.5, burst=30)
    confirm_shipment: OperationRate = OperationRate(rate=2.0, burst=10)
    poll_interval_seconds: float = Field(default=180.0, gt=0)
    overlap_seconds: int = Field(default=900, ge=0)
    first_poll_lookback_seconds: int = Field(default=3 * 24 * 3600, ge=0)
    page_size: int = Field(default=100, ge=1, le=100)
    refresh_margin_seconds: float = Field(default=300.0, ge=0)

    def endpoint(self, region: str) -> str:
        return self.endpoints[region].rstrip("/")
