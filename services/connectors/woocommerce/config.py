"""WooCommerce settings (``LOTLINE_CONNECTORS__WOOCOMMERCE__…``): how often stores are
reconciled and how calls to them retry. Each store's URL and keys are stored per store."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WooCommerceSettings(BaseModel):
    reconcile_interval_seconds: float = Field(default=600.0, gt=0)
    # A run reads orders modified since the newest one it saw less this overlap, so an order
    # changed while the last run was reading is read again (and changes nothing if known).
    overlap_seconds: float = Field(default=300.0, ge=0)
    first_lookback_seconds: float = Field(default=86400.0, ge=0)
    page_size: int = Field(default=100, ge=1, le=100)  # WooCommerce caps per_page at 100
    http_timeout_seconds: float = Field(default=15.0, gt=0)
