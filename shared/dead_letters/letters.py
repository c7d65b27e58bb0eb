"""What a dead letter carries and what its replay sends. Pure: no Kafka, no database.

A dead letter is the original record's bytes, key and headers plus the ``x-dlq-*`` and
``x-original-*`` headers saying why, where from and who failed. A replay sends the
original record back as it was, naming only the dead letter it came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

REASON: Final = "x-dlq-reason"
GROUP: Final = "x-dlq-group"
SERVICE: Final = "x-dlq-service"
ORIGINAL_TOPIC: Final = "x-original-topic"
ORIGINAL_PARTITION: Final = "x-original-partition"
ORIGINAL_OFFSET: Final = "x-original-offset"
REPLAYED_FROM: Final = "x-replayed-from"
# Bookkeeping of the dead-lettering, dropped when the record goes back to its topic.
BOOKKEEPING_PREFIXES: Final = ("x-dlq-", "x-original-")
REASON_LIMIT: Final = 2000

Headers = Sequence[tuple[str, bytes]]


@dataclass(frozen=True, order=True)
class Coordinates:
    """Where a dead letter sits: its dead-letter topic, partition and offset."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


def dead_letter_headers(
    original: Headers,
    *,
    reason: str,
    topic: str,
    partition: int,
    offset: int,
    group: str,
    service: str,
) -> dict[str, str]:
    """The original headers plus why it failed, where it was and which consumer failed it."""
    headers = {key: value.decode(errors="replace") for key, value in original}
    headers.update(
        {
            REASON: reason[:REASON_LIMIT],
            ORIGINAL_TOPIC: topic,
            ORIGINAL_PARTITION: str(partition),
            ORIGINAL_OFFSET: str(offset),
            SERVICE: service,
        }
    )
    if group:
        headers[GROUP] = group
    return headers


@dataclass(frozen=True)
class DeadLetter:
    """One record read back from a ``.dlq`` topic."""

    at: Coordinates
    dead_at: datetime
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        """The last value of ``name`` (Kafka allows repeats; the newest one counts)."""
        found = [value for key, value in self.headers if key == name]
        return found[-1].decode(errors="replace") if found else None

    @property
    def reason(self) -> str:
        return self.header(REASON) or ""

    @property
    def service(self) -> str | None:
        return self.header(SERVICE)

    @property
    def group(self) -> str | None:
        return self.header(GROUP)

    @property
    def original_topic(self) -> str | None:
        return self.header(ORIGINAL_TOPIC)

    def _field(self, name: str) -> str | None:
        """From the headers, else from the value when it is an envelope that says it."""
        found = self.header(name)
        if found is not None:
            return found
        try:
            body: Any = json.loads(self.value)
        except ValueError:
            return None
        value = body.get(name) if isinstance(body, dict) else None
        return str(value) if isinstance(value, str | int) else None

    @property
    def event_type(self) -> str | None:
        return self._field("event_type")

    @property
    def event_id(self) -> str | None:
        return self._field("event_id")


def replay_headers(letter: DeadLetter) -> dict[str, str]:
    """The original headers back as they were, and which dead letter the replay came from."""
    headers = {
        key: value.decode(errors="replace")
        for key, value in letter.headers
        if not key.startswith(BOOKKEEPING_PREFIXES)
    }
    headers[REPLAYED_FROM] = str(letter.at)
    return headers


class NotReplayable(Exception):
    """The dead letter cannot go back: it does not say which topic it came from."""


def replay_target(letter: DeadLetter, *, allowed: Iterable[str]) -> str:
    """The topic to send ``letter`` back to: its original, which must be one we consume."""
    topic = letter.original_topic
    if not topic:
        raise NotReplayable(f"{letter.at} names no original topic")
    if topic not in set(allowed):
        raise NotReplayable(f"{letter.at} came from {topic}, which this service does not read")
    return topic


def owned_by(letters: Iterable[DeadLetter], service: str) -> list[DeadLetter]:
    """The dead letters ``service``'s consumers wrote: a ``.dlq`` topic is shared by every
    group reading its topic, and each replays only what it failed itself."""
    return [letter for letter in letters if letter.service == service]


def newest_first(letters: Iterable[DeadLetter], *, limit: int) -> list[DeadLetter]:
    """At most ``limit``, the most recently dead-lettered first."""
    ordered = sorted(letters, key=lambda letter: (letter.dead_at, letter.at), reverse=True)
    return ordered[:limit]
