"""Settings read from the environment (prefix ``LOTLINE_``, nested with ``__``).

One settings object describes the whole deployment, so every process agrees on where
Kafka, PostgreSQL and the other services' HTTP ports are. Nothing is read at import time.
"""

from __future__ import annotations

from email.utils import parseaddr
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ServiceName = Literal["orders", "inventory", "production", "connectors", "trace"]


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
    partitions: int = 6
    # Copies of each topic Lotline creates: 1 on the single dev node, 3 on a cluster
    # (deploy/kafka_cluster.py, whose brokers require 2 in sync for an acks=all write).
    replication_factor: int = 1

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def servers(self) -> list[str]:
        """``bootstrap_servers`` as a list: a cluster is named by several addresses, and
        FastStream takes one string as one address."""
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]


class Ports(BaseModel):
    """HTTP ports of the gateway and of each service's own API (loopback by default)."""

    gateway: int = 8000
    orders: int = 8101
    inventory: int = 8102
    production: int = 8103
    connectors: int = 8104
    trace: int = 8105


class RelaySettings(BaseModel):
    """How eagerly the outbox relay polls and how much it publishes per batch."""

    poll_interval_seconds: float = 5.0  # a fallback: commits that stage events wake it
    batch_size: int = 500


class RetentionSettings(BaseModel):
    """How long consumed-event ids (and connectors' done webhook deliveries) are kept to
    recognise a duplicate, and how often the prune runs.

    The window must outlast every way a message can come back: Kafka redelivering after a
    consumer group lost its committed offsets (offsets.retention.minutes, 7 days by default)
    and Shopify retrying a webhook (up to 48 hours). An id older than that cannot come back,
    so its row is only cost."""

    inbox_days: float = Field(default=30.0, ge=8.0)
    prune_interval_seconds: float = Field(default=3600.0, gt=0)  # hourly: idle costs nothing
    prune_batch: int = Field(default=5000, ge=1)  # rows per delete: short transactions


class ConsumerSettings(BaseModel):
    """How many events a consumer applies per transaction, how long its idle waits are, and
    how long its applied offsets wait to be committed together. A record that arrives ends
    every idle wait at once: they only set how often an idle consumer group wakes up
    (issue 14: idle CPU)."""

    max_batch: int = 200
    # How long one fetch from aiokafka's buffer waits for a first record.
    batch_timeout_ms: int = 1000
    # How long the broker holds a fetch that finds nothing: idle, each consumer group costs
    # one fetch round trip per this many ms.
    fetch_max_wait_ms: int = 5000
    # How often aiokafka's background fetcher looks again with nothing to do (records
    # consumed and rebalances wake it at once).
    consumer_timeout_ms: int = 2000
    # How long a group's applied offsets may wait to be committed together
    # (``shared.offset_commits``): one OffsetCommit per group per this many ms under load,
    # not one per batch; what a crash loses is redelivered and skipped by the inbox.
    commit_interval_ms: int = 200


class MailSettings(BaseModel):
    """The SMTP relay, the sender address and how hard to try before giving up."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    from_address: str = "Lotline <orders@lotline.local>"
    starttls: bool = False
    username: str | None = None
    password: SecretStr | None = None
    timeout_seconds: float = 30.0
    enabled: bool = True
    disabled_channels: list[str] = []
    max_attempts: int = 5
    poll_interval_seconds: float = 5.0  # a fallback: staging a mail wakes the sender
    retry_backoff_seconds: float = 60.0

    @property
    def sender_name(self) -> str:
        """The display name of ``from_address`` (signs the mails), else its address."""
        name, address = _parsed_address(self.from_address)
        return name or address

    @property
    def sender_address(self) -> str:
        return _parsed_address(self.from_address)[1]


@lru_cache(maxsize=8)
def _parsed_address(text: str) -> tuple[str, str]:
    """``parseaddr`` of the sender, read for every mail: parsed once (it is pure Python,
    about 0.1 ms a call)."""
    return parseaddr(text)


class CarrierSettings(BaseModel):
    """Carrier aggregator credentials and limits (``LOTLINE_CARRIERS__SENDCLOUD_PUBLIC_KEY``
    …); the manual carrier needs none. The registry in ``services.orders.carriers`` checks
    the base URL (https, or http only to loopback) when it builds a carrier."""

    sendcloud_base_url: str = "https://panel.sendcloud.sc"
    sendcloud_public_key: SecretStr | None = None
    sendcloud_secret_key: SecretStr | None = None
    # Sendcloud signs webhooks with the secret key, or with a separate "webhook signature
    # key" for some integration types; unset means the secret key.
    sendcloud_webhook_secret: SecretStr | None = None
    sendcloud_default_method_id: int = 8
    sendcloud_timeout_seconds: float = 20.0
    sendcloud_attempts: int = 5
    sendcloud_retry_initial_seconds: float = 0.5
    sendcloud_retry_max_seconds: float = 8.0
    sendcloud_max_retry_after_seconds: float = 30.0
    sendcloud_retry_deadline_seconds: float = 60.0


class ProducerSettings(BaseModel):
    """Who ships: printed on packing slips and signing customer e-mail."""

    name: str = "Lotline demo producer"
    address: str = "Via dell'Artigianato 1, 40100 Bologna, Italy"


# The key every demo and test installation shares: refused in production (``Settings``).
DEMO_SECRETS_KEY = "bG90bGluZS1kZW1vLWtleS1ub3QtZm9yLXByb2R1Y3Q="


class SecretsSettings(BaseModel):
    """Keys for the credentials stored at rest (shops' webhook secrets, access and refresh
    tokens): Fernet keys (url-safe base64 of 32 bytes, ``Fernet.generate_key()``). The first
    encrypts; every one decrypts. To rotate: put the new key first, keep the old one after
    it, run ``python -m services.connectors.rotate_secrets``, then drop the old key."""

    keys: list[SecretStr] = Field(default_factory=lambda: [SecretStr(DEMO_SECRETS_KEY)])


class ContractSettings(BaseModel):
    """Events written at an older version during a rolling deploy, while some readers still
    run code that knows only that one: ``LOTLINE_CONTRACTS__PUBLISH_VERSIONS=
    '{"inventory.lot_changed": 1}'``. Empty (the default): every event at its newest version.
    The procedure: docs/architecture/contract-evolution.md."""

    publish_versions: dict[str, int] = {}


class PromiseSettings(BaseModel):
    """The last two terms of every delivery-date promise, quote and real order alike:
    handling (pack and hand over) per shop or channel, carrier transit per carrier service.
    Keys: a shop (``bakery.myshopify.com``) wins over its channel (``shopify``); a service
    is the channel's shipping-line code (e.g. ``Express``). Working days."""

    handling_days: int = Field(default=1, ge=0, le=60)
    handling_days_by_shop: dict[str, int] = {}
    transit_days: int = Field(default=2, ge=0, le=60)
    transit_days_by_service: dict[str, int] = {}


class GatewaySettings(BaseModel):
    """The front door: sessions, sign-in limits and the first admin.

    ``cookie_secure`` may be turned off only in dev/test, where the gateway answers plain
    HTTP on loopback; in production the gateway sits behind TLS and refuses it.
    """

    session_idle_minutes: int = 480
    session_max_hours: int = 12
    cookie_secure: bool = True
    sign_in_window_minutes: int = 15
    max_failures_per_account: int = 5
    max_failures_per_address: int = 30
    first_admin_username: str = "admin"
    first_admin_password: SecretStr | None = None
    api_key_touch_seconds: float = 60.0


class RequestLimits(BaseModel):
    """The largest request body the gateway and every service read (413 beyond): JSON and
    forms; the wholesale CSV import under ``import_prefix``; marketplace webhooks under
    ``webhook_prefix``, read up to ``max_webhook_bytes`` so that one too large to process
    (over ``max_body_bytes``) can still have its signature checked and be kept for replay."""

    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_import_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    import_prefix: str = "/api/imports"
    max_webhook_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    webhook_prefix: str = "/webhooks"


# Secrets that ship in this repository's docs and demo data: fine for a demo, refused in
# production, where anyone who read the README would know them.
KNOWN_DEFAULT_SECRETS = frozenset(
    {"", "admin", "password", "changeme", "change-me", "lotline", "demo-webhook-secret-change-me"}
)


class Settings(BaseSettings):
    """The deployment's settings; ``environment`` guards unsafe defaults outside dev."""

    model_config = SettingsConfigDict(
        env_prefix="LOTLINE_", env_nested_delimiter="__", extra="ignore"
    )

    environment: Literal["dev", "test", "production"] = "dev"
    # Where the services' own HTTP ports bind: loopback, never the way in from a network.
    host: str = "127.0.0.1"
    # Where the gateway binds (e.g. 0.0.0.0 behind a TLS proxy); unset: ``host``.
    gateway_host: str | None = None
    pg: PostgresSettings = PostgresSettings()
    kafka: KafkaSettings = KafkaSettings()
    ports: Ports = Ports()
    relay: RelaySettings = RelaySettings()
    consumer: ConsumerSettings = ConsumerSettings()
    retention: RetentionSettings = RetentionSettings()
    log_level: str = "INFO"
    upstreams: dict[str, str] = {}
    mail: MailSettings = MailSettings()
    carriers: CarrierSettings = CarrierSettings()
    producer: ProducerSettings = ProducerSettings()
    gateway: GatewaySettings = GatewaySettings()
    requests: RequestLimits = RequestLimits()
    promise: PromiseSettings = PromiseSettings()
    secrets: SecretsSettings = SecretsSettings()
    contracts: ContractSettings = ContractSettings()

    @model_validator(mode="after")
    def _refuse_known_defaults_in_production(self) -> Settings:
        """Outside dev/test (demo mode), a secret everyone can read in the docs is refused."""
        if self.environment != "production":
            return self
        problems = []
        if not self.gateway.cookie_secure:
            problems.append("LOTLINE_GATEWAY__COOKIE_SECURE must stay true")
        password = self.gateway.first_admin_password
        if password is not None and password.get_secret_value() in KNOWN_DEFAULT_SECRETS:
            problems.append("LOTLINE_GATEWAY__FIRST_ADMIN_PASSWORD is a known default")
        if self.pg.password.get_secret_value() in KNOWN_DEFAULT_SECRETS:
            problems.append("LOTLINE_PG__PASSWORD is empty or a known default")
        keys = [k.get_secret_value() for k in self.secrets.keys]
        if not keys or DEMO_SECRETS_KEY in keys:
            problems.append("LOTLINE_SECRETS__KEYS must hold keys of your own (not the demo key)")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

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
