"""``OffsetCommitter`` against a consumer that records its commits: applied batches are
committed together, once per interval, at the consumer's position; only partitions still
assigned; revoked ones at once; what a failed commit held is tried again."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from shared.offset_commits import OffsetCommitter

P0, P1, P2 = (TopicPartition("t", p) for p in range(3))


@dataclass
class Record:
    topic: str
    partition: int
    offset: int


def batch(tp: TopicPartition, *offsets: int) -> list[Record]:
    return [Record(tp.topic, tp.partition, o) for o in offsets]


@dataclass
class FakeConsumer:
    """Positions and assignment as aiokafka keeps them; each commit is noted and signalled."""

    positions: dict[TopicPartition, int] = field(default_factory=dict)
    assigned: set[TopicPartition] = field(default_factory=lambda: {P0, P1, P2})
    commits: list[dict[TopicPartition, int]] = field(default_factory=list)
    failures: int = 0
    committed: asyncio.Event = field(default_factory=asyncio.Event)

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    async def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.failures:
            self.failures -= 1
            self.committed.set()
            raise KafkaError("the coordinator said no")
        self.commits.append(dict(offsets))
        self.committed.set()

    async def next_commit(self) -> None:
        await asyncio.wait_for(self.committed.wait(), timeout=5)
        self.committed.clear()


async def applied(
    committer: OffsetCommitter, consumer: FakeConsumer, tp: TopicPartition, *offsets: int
) -> None:
    consumer.positions[tp] = max(offsets) + 1  # where aiokafka's fetch left the partition
    await committer.processed(consumer, batch(tp, *offsets))


async def test_many_batches_within_an_interval_are_one_commit_at_their_positions() -> None:
    consumer = FakeConsumer()
    committer = OffsetCommitter("g", interval_seconds=0.05)
    for offset in range(20):
        await applied(committer, consumer, P0, offset)
    await applied(committer, consumer, P1, 7, 8)

    await consumer.next_commit()

    assert consumer.commits == [{P0: 20, P1: 9}]
    assert committer.commits == 1
    await applied(committer, consumer, P0, 20)  # the next interval: a commit of its own
    await consumer.next_commit()
    assert consumer.commits[1:] == [{P0: 21}]


async def test_the_position_is_committed_not_the_last_offset_plus_one() -> None:
    """A transaction marker after the records moves the position past them: committing
    there (as FastStream's commit did) lets the committed offset reach the end."""
    consumer = FakeConsumer()
    committer = OffsetCommitter("g", interval_seconds=0.01)
    consumer.positions[P0] = 6
    await committer.processed(consumer, batch(P0, 3, 4))
    await consumer.next_commit()
    assert consumer.commits == [{P0: 6}]


async def test_a_partition_revoked_while_its_batch_was_applied_is_not_committed() -> None:
    consumer = FakeConsumer(assigned={P1})
    committer = OffsetCommitter("g", interval_seconds=0.01)
    await applied(committer, consumer, P0, 1)
    await applied(committer, consumer, P1, 4)
    await consumer.next_commit()
    assert consumer.commits == [{P1: 5}]


async def test_revocation_commits_the_revoked_partitions_at_once_and_forgets_them() -> None:
    consumer = FakeConsumer()
    committer = OffsetCommitter("g", interval_seconds=3600)
    await applied(committer, consumer, P0, 1, 2)
    await applied(committer, consumer, P1, 5)

    await committer.on_partitions_revoked({P0})
    assert consumer.commits == [{P0: 3}]

    consumer.assigned = {P1, P2}  # P0 went to another member
    await committer.close()
    assert consumer.commits == [{P0: 3}, {P1: 6}]


async def test_close_commits_what_was_applied_without_waiting_for_the_interval() -> None:
    consumer = FakeConsumer()
    committer = OffsetCommitter("g", interval_seconds=3600)
    await applied(committer, consumer, P2, 9)
    await committer.close()
    assert consumer.commits == [{P2: 10}]
    await committer.close()  # nothing left: no second commit
    assert len(consumer.commits) == 1


async def test_a_failed_commit_is_tried_again_with_what_came_since() -> None:
    consumer = FakeConsumer(failures=1)
    committer = OffsetCommitter("g", interval_seconds=0.01)
    await applied(committer, consumer, P0, 1)
    await consumer.next_commit()  # refused
    assert consumer.commits == []
    await applied(committer, consumer, P1, 2)
    while not consumer.commits:
        await consumer.next_commit()
    assert consumer.commits == [{P0: 2, P1: 3}]


async def test_nothing_applied_nothing_committed() -> None:
    consumer: Any = FakeConsumer()
    committer = OffsetCommitter("g", interval_seconds=0.01)
    await committer.on_partitions_revoked({P0})
    await committer.close()
    assert consumer.commits == []


async def test_at_once_commits_now_with_what_was_waiting() -> None:
    """A batch that dead-lettered a record (not in the inbox) is committed at once."""
    consumer = FakeConsumer()
    committer = OffsetCommitter("g", interval_seconds=3600)
    await applied(committer, consumer, P0, 1)
    consumer.positions[P1] = 8
    await committer.processed(consumer, batch(P1, 7), at_once=True)
    assert consumer.commits == [{P0: 2, P1: 8}]
