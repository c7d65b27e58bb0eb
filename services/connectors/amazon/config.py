"""Amazon settings (``LOTLINE_CONNECTORS__AMAZON__…``). Each seller brings its own Login
with Amazon client and refresh token (stored encrypted, per seller); these settings say
where Amazon answers and how hard we may ask it."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

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


class NotificationQueue(BaseModel):
    """The SQS queue the app's ``ORDER_CHANGE`` subscriptions deliver to (one queue for
    every seller: each notification names its ``SellerId``). No ``queue_url``: notifications
    are not read and orders arrive on the poll schedule only. ``endpoint_url`` is for an
    SQS-compatible server (moto in tests and the demo); unset, AWS's own endpoint for
    ``region``. The access key is the IAM user's allowed ``sqs:ReceiveMessage`` and
    ``sqs:DeleteMessage`` on the queue; it is never logged."""

    queue_url: str | None = None
    region: str = "eu-west-1"
    endpoint_url: str | None = None
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None
    wait_time_seconds: int = Field(default=20, ge=0, le=20)  # SQS long polling, at most 20
    max_messages: int = Field(default=10, ge=1, le=10)
    # how long a received message stays hidden while it is handled; one not deleted by
    # then (Amazon could not be read) comes back, and the queue's redrive policy decides
    visibility_timeout_seconds: int = Field(default=120, ge=0, le=43200)


class AmazonSettings(BaseModel):
    enabled: bool = True
    lwa_token_url: str = LWA_TOKEN_URL
    # region → SP-API endpoint; a test points every region at the local fake.
    endpoints: dict[str, str] = dict(ENDPOINTS)
    get_orders: OperationRate = OperationRate(rate=0.0167, burst=20)
    get_order: OperationRate = OperationRate(rate=0.5, burst=30)
    get_order_items: OperationRate = OperationRate(rate=0.5, burst=30)
    confirm_shipment: OperationRate = OperationRate(rate=2.0, burst=10)
    get_listings_item: OperationRate = OperationRate(rate=5.0, burst=10)
    patch_listings_item: OperationRate = OperationRate(rate=5.0, burst=10)
    poll_interval_seconds: float = Field(default=180.0, gt=0)
    overlap_seconds: int = Field(default=900, ge=0)
    first_poll_lookback_seconds: int = Field(default=3 * 24 * 3600, ge=0)
    page_size: int = Field(default=100, ge=1, le=100)
    refresh_margin_seconds: float = Field(default=300.0, ge=0)
    notifications: NotificationQueue = NotificationQueue()

    def endpoint(self, region: str) -> str:
        return self.endpoints[region].rstrip("/")
