"""Connectors' own settings (``LOTLINE_CONNECTORS__…``): how write-backs to channels retry."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WriteBackSettings(BaseModel):
    """Timing of the write-back worker; tests shrink every number so retries take milliseconds."""

    poll_interval_seconds: float = Field(default=5.0, gt=0)
    batch_size: int = Field(default=20, ge=1)
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=60.0, ge=0)
    jitter_seconds: float = Field(default=1.0, ge=0)
    max_wait_seconds: float = Field(default=120.0, ge=0)
    http_timeout_seconds: float = Field(default=15.0, gt=0)
    lease_seconds: float = Field(default=300.0, gt=0)


class StockPushSettings(BaseModel):
    """Stock push to the shops (issue 4, point 6): debounce, reconciliation, retry pacing.
    Shopify calls retry with the write-back settings' attempts and backoff."""

    enabled: bool = True
    poll_interval_seconds: float = Field(default=1.0, gt=0)
    debounce_seconds: float = Field(default=2.0, ge=0)
    max_delay_seconds: float = Field(default=30.0, ge=0)
    reconcile_interval_seconds: float = Field(default=900.0, gt=0)
    failure_backoff_seconds: float = Field(default=60.0, ge=0)
    batch_size: int = Field(default=20, ge=1)
    lease_seconds: float = Field(default=120.0, gt=0)


class ConnectorsSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LOTLINE_CONNECTORS__", env_nested_delimiter="__", extra="ignore"
    )

    write_back: WriteBackSettings = WriteBackSettings()
    stock_push: StockPushSettings = StockPushSettings()


@lru_cache(maxsize=1)
def get_connectors_settings() -> ConnectorsSettings:
    """Cached; tests call ``get_connectors_settings.cache_clear()`` after changing env."""
    return ConnectorsSettings()
