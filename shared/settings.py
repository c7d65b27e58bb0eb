"""Settings read from the environment (prefix ``LOTLINE_``, nested with ``__``).

One settings object describes the whole deployment, so every process agrees on where
Kafka, PostgreSQL and the other services' HTTP ports are. Nothing is read at import time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ServiceName = Literal["orders", "inventory", "production", "connectors"]


class PostgresSettings(BaseModel):
    """One PostgreSQL server; each service owns its own database on it."""

    host: str = "127.0.0.1"
    port: int = 55432
    user: str = "postgres"
    password: SecretStr = SecretStr("")
    database_prefix: str = "lotline_"
    pool_size: int = 10

    def database(self, service: str) -> str:
        return f"{self.database_prefix}{service}"

    def url(self, service: str) -> str:
        return self.url_for_database(self.database(service))

    def url_for_database(self, database: str) -> str:
        secret = self.password.get_secret_value()
        auth = f"{self.user}:{secret}" if secret else self.user
        return f"postgresql+asyncpg://{auth}@{self.host}:{self.port}/{database}"


class KafkaSettings(BaseModel):
    """The broker and the topic namespace (tests use a fresh prefix per run)."""

    bootstrap_servers: str = "127.0.0.1:19092"
    topic_prefix: str = "lotline."
    partitions: int = 3

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"


class Ports(BaseModel):
    """HTTP ports of the gateway and of each service's own API (loopback by default)."""

    gateway: int = 8000
    orders: int = 8101
    inventory: int = 8102
    production: int = 8103
    connectors: int = 8104


class RelaySettings(BaseModel):
    """How eagerly the outbox relay polls and how much it publishes per batch."""

    poll_interval_seconds: float = 0.05
    batch_size: int = 500


class Settings(BaseSettings):
    """The deployment's settings; ``environment`` guards unsafe defaults outside dev."""

    model_config = SettingsConfigDict(
        env_prefix="LOTLINE_", env_nested_delimiter="__", extra="ignore"
    )

    environment: Literal["dev", "test", "production"] = "dev"
    host: str = "127.0.0.1"
    pg: PostgresSettings = PostgresSettings()
    kafka: KafkaSettings = KafkaSettings()
    ports: Ports = Ports()
    relay: RelaySettings = RelaySettings()
    log_level: str = "INFO"
    upstreams: dict[str, str] = {}

    def service_url(self, service: str) -> str:
        """Where a service's HTTP API answers: ``LOTLINE_UPSTREAMS__<NAME>`` (containers),
        else loopback at its configured port."""
        override = self.upstreams.get(service)
        if override:
            return override.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{getattr(self.ports, service)}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Cached process settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
