"""The gateway's ear on the event streams: every order, production and inventory event
becomes a notice that open pages receive over server-sent events.

Each gateway process reads only what is new (no consumer group, nothing committed), since a
notice matters only to pages open now; what it missed while away, a page gets back as
``resync``. Losing the broker is a gap, so the buffer restarts and every page resyncs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from services.gateway.dashboard.notices import (
    KIND_OF_TOPIC,
    Catchup,
    Notice,
    NoticeBuffer,
    order_ids_of,
)
from shared.contracts.base import PoisonMessage
from shared.contracts.envelope import Envelope
from shared.settings import Settings

log = logging.getLogger(__name__)

FETCH_MIN_BYTES = 64 * 1024
FETCH_MAX_WAIT_MS = 500  # aiokafka's default: idle, two fetches a second as before


class LiveFeed:
    """``await feed.start()`` in the gateway's lifespan, ``await feed.stop()`` at its end."""

    def __init__(
        self,
        settings: Settings,
        *,
        capacity: int = 1000,
        topics: Iterable[str] = tuple(KIND_OF_TOPIC),
    ) -> None:
        self.kafka = settings.kafka
        self.buffer = NoticeBuffer(capacity)
        self._kinds = {self.kafka.topic(name): kind for name, kind in KIND_OF_TOPIC.items()}
        self._topics = [self.kafka.topic(name) for name in topics]
        # Set, then replaced, at every change: a page waits on the one current when it
        # looked. An Event, not a Condition: a Condition's wait cancelled by a timeout can
        # lose its lock on the way out ("Lock is not acquired"), ending the page's stream.
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.connected = False

    async def start(self) -> None:
        """Listen in the background; the gateway starts even while the broker is away."""
        self._task = asyncio.create_task(self._listen(), name="live-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def publish(self, kind: str, envelope: Envelope) -> Notice:
        """One event in: remembered and announced to every waiting page."""
        notice = self.buffer.add(
            kind, envelope.event_type, envelope.key, order_ids_of(envelope.payload)
        )
        self._announce()
        return notice

    async def wait_after(self, last_id: str, *, seconds: float) -> Catchup:
        """What came after ``last_id``, waiting up to ``seconds`` for something new."""
        catchup = self.buffer.since(last_id)
        if catchup.resync or catchup.notices:
            return catchup
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.buffer.last_id == last_id:
            changed, remaining = self._changed, deadline - loop.time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        return self.buffer.since(last_id)

    def _announce(self) -> None:
        """Wake every page waiting now; later waiters wait on a fresh event."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            consumer = AIOKafkaConsumer(
                *self._topics,
                bootstrap_servers=self.kafka.bootstrap_servers,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="latest",
                metadata_max_age_ms=5000,  # topics created after us are found quickly
                # A fetch waits for 64 KiB or half a second, whichever comes first: fetching
                # each record as it landed cost a fifth of the gateway's CPU under load
                # (profiled), for notices a page shows within half a second anyway.
                fetch_min_bytes=FETCH_MIN_BYTES,
                fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            )
            try:
                await consumer.start()
                self.connected, delay = True, 0.5
                async for record in consumer:
                    await self._take(record.topic, record.value or b"")
            except (KafkaError, OSError) as error:
                log.warning("live feed lost the broker (%r); pages will resync", error)
            finally:
                self.connected = False
                with contextlib.suppress(Exception):
                    await consumer.stop()
            await self._gap()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _take(self, topic: str, raw: bytes) -> None:
        try:
            envelope = Envelope.from_bytes(raw)
        except PoisonMessage:
            return  # the owning service dead-letters it; a page has nothing to show
        await self.publish(self._kinds.get(topic, "other"), envelope)

    async def _gap(self) -> None:
        self.buffer.restart()
        self._announce()
