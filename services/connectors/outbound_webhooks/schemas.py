"""HTTP request and response models of outbound webhooks (never the secret, except once)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.connectors.outbound_webhooks.delivery_rules import EVENT_TYPES


class EventType(StrEnum):
    """What a subscriber may ask for (``delivery_rules.EVENT_TYPES``)."""

    order_received = "order.received"
    order_promised = "order.promised"
    order_shipped = "order.shipped"
    order_cancelled = "order.cancelled"
    lot_recalled = "lot.recalled"
    stock_changed = "stock.changed"


assert {t.value for t in EventType} == set(EVENT_TYPES)


class DeliveryStatus(StrEnum):
    pending = "pending"
    done = "done"
    dead = "dead"


class SubscriptionIn(BaseModel):
    url: str = Field(max_length=2000, examples=["https://erp.example.com/lotline/webhooks"])
    event_types: list[EventType] = Field(min_length=1)
    description: str | None = Field(default=None, max_length=200)


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    consecutive_dead: int
    created_at: datetime
    # When the secret was last rotated, and until when the one it replaced also signs.
    secret_rotated_at: datetime | None = None
    previous_secret_until: datetime | None = None
    pending: int = 0
    done: int = 0
    dead: int = 0


class SubscriptionCreated(SubscriptionOut):
    """The new subscription with its signing secret: shown this once, never again."""

    secret: str


class SecretRotated(SubscriptionOut):
    """The subscription with its new signing secret: shown this once, never again. The
    previous secret also signs every delivery until ``previous_secret_until``."""

    secret: str


class DisableIn(BaseModel):
    reason: str | None = Field(default=None, max_length=200)


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    subscription_id: UUID
    event_id: UUID
    event_type: str
    ordering_key: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    first_tried_at: datetime | None
    due_at: datetime
    delivered_at: datetime | None
    created_at: datetime
