"""Etsy app settings (``LOTLINE_CONNECTORS__ETSY__…``): one Etsy app serves every shop."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

API_BASE_URL = "https://openapi.etsy.com/v3/application"
TOKEN_URL = "https://api.etsy.com/v3/public/oauth/token"
AUTHORIZE_URL = "https://www.etsy.com/oauth/connect"


class EtsySettings(BaseModel):
    """The app's keystring and shared secret (sent together as ``x-api-key``), where Etsy
    answers, and how often and how hard we may ask it."""

    keystring: str = ""
    shared_secret: SecretStr = SecretStr("")
    webhook_signing_secret: SecretStr = SecretStr("")
    redirect_uri: str = "https://localhost/api/etsy/oauth/callback"
    api_base_url: str = API_BASE_URL
    token_url: str = TOKEN_URL
    authorize_url: str = AUTHORIZE_URL
    per_second: int = Field(default=10, ge=1)
    per_day: int = Field(default=10_000, ge=1)
    poll_interval_seconds: float = Field(default=300.0, gt=0)
    overlap_seconds: int = Field(default=900, ge=0)
    page_limit: int = Field(default=100, ge=1, le=100)
    refresh_margin_seconds: float = Field(default=300.0, ge=0)
    oauth_state_ttl_seconds: float = Field(default=900.0, gt=0)

    @property
    def configured(self) -> bool:
        return bool(self.keystring and self.shared_secret.get_secret_value())

    def api_key(self) -> str:
        """Etsy's ``x-api-key``: ``keystring:shared_secret`` (required since 2025)."""
        return f"{self.keystring}:{self.shared_secret.get_secret_value()}"
