"""Connectors' own settings (``LOTLINE_CONNECTORS__…``): how write-backs to channels retry."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.connectors.amazon.config import AmazonSettings
from services.connectors.etsy.config import EtsySettings
from services.connectors.woocommerce.config import WooCommerceSettings


class WriteBackSettings(BaseModel):
    """Timing of the write-back worker; tests shrink every number so retries take milliseconds."""

    # A fallback: a staged write-back wakes the worker, which sleeps until the next retry.
    poll_interval_seconds: float = Field(default=30.0, gt=0)
    batch_size: int = Field(default=20, ge=1)
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=60.0, ge=0)
    jitter_seconds: float = Field(default=1.0, ge=0)
    max_wait_seconds: float = Field(default=120.0, ge=0)
    http_timeout_seconds: float = Field(default=15.0, gt=0)
    lease_seconds: float = Field(default=300.0, gt=0)


class ShopifySyncSettings(BaseModel):
    """Shopify order sync (issue 4): the webhook inbox worker and the reconciliation poll.
    Retries of Admin calls follow ``retry`` (the same knobs as write-backs)."""

    # The first retry of a failed webhook waits twice this, each next one twice as long.
    inbox_poll_interval_seconds: float = Field(default=2.0, gt=0)
    # The inbox worker's fallback: an accepted webhook wakes it, and it sleeps until the
    # next retry falls due.
    inbox_fallback_seconds: float = Field(default=30.0, gt=0)
    inbox_batch_size: int = Field(default=50, ge=1)
    inbox_max_attempts: int = Field(default=5, ge=1)
    reconcile_interval_seconds: float = Field(default=600.0, gt=0)
    overlap_seconds: float = Field(default=300.0, ge=0)
    first_lookback_seconds: float = Field(default=86400.0, ge=0)
    page_size: int = Field(default=250, ge=1, le=250)
    retry: WriteBackSettings = WriteBackSettings()


class StockPushSettings(BaseModel):
    """Stock push to the shops (issue 4, point 6): debounce, reconciliation, retry pacing.
    Shopify calls retry with the write-back settings' attempts and backoff."""

    enabled: bool = True
    # A fallback: the worker sleeps until the next row is due and a committed change wakes it.
    poll_interval_seconds: float = Field(default=15.0, gt=0)
    debounce_seconds: float = Field(default=2.0, ge=0)
    max_delay_seconds: float = Field(default=30.0, ge=0)
    reconcile_interval_seconds: float = Field(default=900.0, gt=0)
    # A refused push (no access, SKU not in the shop) waits this long, twice as long after
    # each next refusal, up to the max: a shop left unconnected is not asked every minute.
    failure_backoff_seconds: float = Field(default=60.0, ge=0)
    failure_backoff_max_seconds: float = Field(default=3600.0, ge=0)
    batch_size: int = Field(default=20, ge=1)
    lease_seconds: float = Field(default=120.0, gt=0)


class OutboundWebhookSettings(BaseModel):
    """Signed outbound webhooks (issue 17, section 4): how deliveries are paced and retried,
    when a failing subscription is disabled, and which hosts may be reached over plain http
    (none by default: only loopback or a test receiver should ever be listed)."""

    # A fallback: staging wakes the worker, which sleeps until the next retry falls due.
    poll_interval_seconds: float = Field(default=30.0, gt=0)
    batch_size: int = Field(default=20, ge=1)
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    lease_seconds: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=15, ge=1)
    retry_for_seconds: float = Field(default=86400.0, ge=0)
    backoff_initial_seconds: float = Field(default=10.0, ge=0)
    backoff_max_seconds: float = Field(default=3600.0, ge=0)
    jitter_seconds: float = Field(default=5.0, ge=0)
    max_retry_after_seconds: float = Field(default=3600.0, ge=0)
    disable_after_dead: int = Field(default=5, ge=0)
    # After a rotation the previous secret signs too for this long (then it is forgotten).
    secret_grace_seconds: float = Field(default=86400.0, ge=0)
    http_allowed_hosts: tuple[str, ...] = ()


class ConnectorsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LOTLINE_CONNECTORS__", env_nested_delimiter="__", extra="ignore"
    )

    write_back: WriteBackSettings = WriteBackSettings()
    etsy: EtsySettings = EtsySettings()  # Etsy block
    amazon: AmazonSettings = AmazonSettings()  # Amazon block
    shopify_sync: ShopifySyncSettings = ShopifySyncSettings()
    stock_push: StockPushSettings = StockPushSettings()
    outbound_webhooks: OutboundWebhookSettings = OutboundWebhookSettings()
    woocommerce: WooCommerceSettings = WooCommerceSettings()


@lru_cache(maxsize=1)
def get_connectors_settings() -> ConnectorsSettings:
    """Cached; tests call ``get_connectors_settings.cache_clear()`` after changing env."""
    return ConnectorsSettings()
