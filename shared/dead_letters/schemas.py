"""HTTP models of the dead-letter API (never Kafka events)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from shared.dead_letters.replays import Replay
from shared.dead_letters.service import Listed

PREVIEW = 500  # characters of the value shown: enough to recognise it, never the whole body

Status = Literal["waiting", "replayed"]


class DeadLetterOut(BaseModel):
    """One dead letter, where it sits, why it is there, and its replay if it had one."""

    dlq_topic: str
    partition: int
    offset: int
    dead_at: datetime
    status: Status
    service: str | None
    group: str | None
    original_topic: str | None
    event_type: str | None
    event_id: str | None
    reason: str
    key: str | None
    value_preview: str
    replayed_by: str | None
    replayed_at: datetime | None

    @classmethod
    def of(cls, listed: Listed) -> DeadLetterOut:
        letter, replay = listed.letter, listed.replay
        return cls(
            dlq_topic=letter.at.topic,
            partition=letter.at.partition,
            offset=letter.at.offset,
            dead_at=letter.dead_at,
            status="replayed" if replay else "waiting",
            service=letter.service,
            group=letter.group,
            original_topic=letter.original_topic,
            event_type=letter.event_type,
            event_id=letter.event_id,
            reason=letter.reason,
            key=letter.key.decode(errors="replace") if letter.key is not None else None,
            value_preview=letter.value[: PREVIEW * 4].decode(errors="replace")[:PREVIEW],
            replayed_by=replay.replayed_by if replay else None,
            replayed_at=replay.replayed_at if replay else None,
        )


class ReplayOut(BaseModel):
    """A dead letter sent back to its topic: by whom and when."""

    dlq_topic: str
    partition: int
    offset: int
    original_topic: str
    replayed_by: str
    replayed_at: datetime

    @classmethod
    def of(cls, replay: Replay) -> ReplayOut:
        return cls(
            dlq_topic=replay.at.topic,
            partition=replay.at.partition,
            offset=replay.at.offset,
            original_topic=replay.original_topic,
            replayed_by=replay.replayed_by,
            replayed_at=replay.replayed_at,
        )
