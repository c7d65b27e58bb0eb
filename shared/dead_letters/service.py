"""The two use cases: list a service's dead letters, and replay one of them once.

A replay records itself and publishes in one step: the row is inserted (keyed by the dead
letter's coordinates), the original record is published and acknowledged by Kafka
(acks=all), and only then does the transaction commit. A second replay of the same dead
letter — a double click, a retried request — waits on that key and then finds it taken.
The outbox is not used because it holds envelopes, and a dead letter may be exactly the
bytes that are not one; a replay sends them back unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts.topics import dead_letter
from shared.dead_letters import replays
from shared.dead_letters.letters import (
    Coordinates,
    DeadLetter,
    newest_first,
    owned_by,
    replay_headers,
    replay_target,
)
from shared.dead_letters.reader import DeadLetterReader
from shared.dead_letters.replays import Replay

RECENT = 200  # per dead-letter topic: how far back a listing reads


class UnknownDeadLetter(Exception):
    """No dead letter of this service sits at these coordinates."""


class DeadLettersUnavailable(Exception):
    """Kafka did not answer in time; nothing was replayed."""


@asynccontextmanager
async def _kafka_answering() -> AsyncIterator[None]:
    try:
        yield
    except (KafkaError, TimeoutError, OSError) as error:
        raise DeadLettersUnavailable(f"Kafka did not answer: {error!r}") from error


class AlreadyReplayed(Exception):
    """This dead letter was replayed before; it is not sent twice."""

    def __init__(self, replay: Replay) -> None:
        super().__init__(
            f"{replay.at} was already replayed by {replay.replayed_by} "
            f"at {replay.replayed_at.isoformat(timespec='seconds')}"
        )
        self.replay = replay


@dataclass(frozen=True)
class Listed:
    letter: DeadLetter
    replay: Replay | None


class DeadLetters:
    """``service``'s dead letters on the ``.dlq`` topics of what it consumes."""

    def __init__(
        self,
        service: str,
        engine: AsyncEngine,
        broker: KafkaBroker,
        reader: DeadLetterReader,
        *,
        consumed: Callable[[], Iterable[str]],
    ) -> None:
        self.service = service
        self._engine = engine
        self._broker = broker
        self._reader = reader
        self._consumed = consumed

    def topics(self) -> dict[str, str]:
        """Dead-letter topic → the full topic it parks records of."""
        return {dead_letter(topic): topic for topic in sorted(set(self._consumed()))}

    async def recent(self) -> list[Listed]:
        """The newest dead letters this service wrote — at most ``RECENT`` of each topic —
        each with its replay if it had one; newest first."""
        topics = self.topics()
        async with _kafka_answering():
            read = await self._reader.recent(topics, per_partition=RECENT)
        read = owned_by(read, self.service)
        kept = [
            letter
            for topic in topics
            for letter in newest_first((x for x in read if x.at.topic == topic), limit=RECENT)
        ]
        async with self._engine.connect() as conn:
            done = await replays.on_topics(conn, topics)
        return [Listed(x, done.get(x.at)) for x in newest_first(kept, limit=len(kept))]

    async def replay(self, at: Coordinates, *, by: str) -> Replay:
        """Send the dead letter at ``at`` back to its topic, once."""
        topics = self.topics()
        if at.topic not in topics:
            raise UnknownDeadLetter(f"{self.service} writes no dead letters to {at.topic}")
        async with _kafka_answering():
            letter = await self._reader.one(at)
        if letter is None or letter.service != self.service:
            raise UnknownDeadLetter(f"{self.service} has no dead letter at {at}")
        target = replay_target(letter, allowed=topics.values())
        async with self._engine.begin() as conn:
            claimed = await replays.claim(
                conn,
                at,
                original_topic=target,
                event_id=letter.event_id,
                event_type=letter.event_type,
                replayed_by=by,
            )
            if claimed:
                async with _kafka_answering():  # unacknowledged: the claim rolls back
                    await self._broker.publish(
                        letter.value, target, key=letter.key, headers=replay_headers(letter)
                    )
            replay = await replays.of(conn, at)
        assert replay is not None
        if not claimed:
            raise AlreadyReplayed(replay)
        return replay
