"""Coalesced offset commits: a consumer group commits what it has applied at most every
``ConsumerSettings.commit_interval_ms``, not after every fetched batch (issue 14). Below
full load a batch is one record, and every batch's synchronous OffsetCommit round trip
cost the service and the broker more CPU than many of the batches themselves.

At-least-once holds as before: a batch's offsets are noted (``processed``) only after the
transaction that applied it committed, so a commit never passes an unapplied record. A
crash loses at most the last interval's commits: those records are delivered again, and
every consumer's inbox (``shared.consuming``) makes them no-ops. What was noted is also
committed when a partition is revoked, before another member takes it (``OffsetCommitter``
is the group's rebalance listener), and when the subscriber stops (``flush``), so neither a
rebalance nor a graceful restart redelivers anything. A committed offset still reaches the
end within one interval of the batch's transaction: the tests' "the group committed past
it" marks and the lag metric keep their meaning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import ConsumerStoppedError, KafkaError

log = logging.getLogger(__name__)


class OffsetCommitter(ConsumerRebalanceListener):  # type: ignore[misc]
    """One consumer group's offsets, applied and not yet committed; one per subscriber."""

    def __init__(self, group: str, *, interval_seconds: float) -> None:
        self.group = group
        self._interval = interval_seconds
        self._consumer: AIOKafkaConsumer | None = None
        self._pending: dict[TopicPartition, int] = {}  # partition → next offset to read
        self._lock = asyncio.Lock()  # one commit at a time, each with the newest offsets
        self._later: asyncio.Task[None] | None = None
        self.commits = 0  # OffsetCommit requests sent (tests, measurements)

    async def processed(
        self, consumer: AIOKafkaConsumer, records: Iterable[Any], *, at_once: bool = False
    ) -> None:
        """``records`` (one fetched batch) are applied and their transaction committed:
        commit up to the consumer's position on their partitions within one interval
        (``at_once``: now, with whatever else is waiting). The position, not the last
        record's offset + 1, is what FastStream's commit after each batch committed (it is
        past any transaction marker that followed the records)."""
        self._consumer = consumer
        assigned = consumer.assignment()
        for tp in {TopicPartition(r.topic, r.partition) for r in records}:
            if tp not in assigned:  # revoked while it was applied: the new owner redelivers
                continue
            position = await consumer.position(tp)
            if position > self._pending.get(tp, -1):
                self._pending[tp] = position
        if at_once:
            await self.flush(keep_failed=True)
        elif self._pending and self._later is None:
            self._later = asyncio.create_task(self._commit_soon())

    async def _commit_soon(self) -> None:
        await asyncio.sleep(self._interval)
        self._later = None  # what is noted from now on waits for the next round
        await self.flush(keep_failed=True)

    async def flush(
        self, partitions: Collection[TopicPartition] | None = None, *, keep_failed: bool = False
    ) -> None:
        """Commit what was applied (on ``partitions`` only, when given), now. Offsets of
        partitions no longer assigned are dropped: their new owner starts from the last
        commit and its inbox skips what we applied. ``keep_failed``: a failed commit is
        tried again one interval later (else: delivered again after a restart)."""
        async with self._lock:
            consumer = self._consumer
            if consumer is None or not self._pending:
                return
            assigned = consumer.assignment()
            offsets = {}
            for tp in [tp for tp in self._pending if partitions is None or tp in partitions]:
                offset = self._pending.pop(tp)
                if tp in assigned:
                    offsets[tp] = offset
            if not offsets:
                return
            try:
                await consumer.commit(offsets)
            except (KafkaError, ConsumerStoppedError) as error:
                log.warning(
                    "%s could not commit its offsets (%r): what it applied since its last "
                    "commit may be delivered again (the inbox skips it)",
                    self.group,
                    error,
                )
                if keep_failed:
                    for tp, offset in offsets.items():
                        self._pending[tp] = max(offset, self._pending.get(tp, -1))
                    if self._later is None:
                        self._later = asyncio.create_task(self._commit_soon())
                return
            self.commits += 1

    async def close(self) -> None:
        """Commit everything applied, before the consumer stops (aiokafka calls no listener
        on stop): a graceful restart delivers nothing again."""
        later, self._later = self._later, None
        if later is not None:
            later.cancel()
        await self.flush()

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """Another member may get these: it starts from what we commit now."""
        await self.flush(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Nothing to do: a partition starts from its group's committed offset."""
