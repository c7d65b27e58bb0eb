"""The envelope every event travels in, and how it is written and read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.contracts.base import Event, PoisonMessage


class Envelope(BaseModel):
    """Metadata around a payload: identity, type and version, time, causality, key."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID
    event_type: str
    event_version: int
    occurred_at: datetime
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    key: str
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        correlation_id: UUID | None = None,
        causation_id: UUID | None = None,
        event_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Envelope:
        return cls(
            event_id=event_id or uuid4(),
            event_type=event.TYPE,
            event_version=event.publish_version(),
            occurred_at=occurred_at or datetime.now(UTC),
            correlation_id=correlation_id,
            causation_id=causation_id,
            key=event.aggregate_key(),
            payload=event.published_payload(),
        )

    def headers(self) -> dict[str, str]:
        """Type, version and id copied into Kafka headers, so routers need not parse bodies."""
        return {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "event_version": str(self.event_version),
        }

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        """Parse an envelope in one pass (pydantic reads the JSON itself, no dict in
        between); anything unreadable is poison, never retried."""
        try:
            return cls.model_validate_json(raw)
        except ValidationError as error:
            if any(e["type"] == "json_invalid" for e in error.errors(include_url=False)):
                raise PoisonMessage(f"not JSON: {error}") from error
            raise PoisonMessage(f"not an envelope: {error}") from error
