"""Reading dead letters back from Kafka: a short-lived consumer with no group, so nothing
is committed and no consumer group's position moves; every read is bounded in records
and in time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.dead_letters.letters import Coordinates, DeadLetter
from shared.settings import KafkaSettings


def _letter(record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    return DeadLetter(
        at=Coordinates(record.topic, record.partition, record.offset),
        dead_at=datetime.fromtimestamp(record.timestamp / 1000, tz=UTC),
        key=record.key,
        value=record.value or b"",
        headers=tuple((key, value or b"") for key, value in record.headers),
    )


class DeadLetterReader:
    """``await reader.recent(topics, per_partition=200)``; ``await reader.one(coordinates)``."""

    def __init__(self, kafka: KafkaSettings, *, timeout: float = 5.0) -> None:
        self._kafka = kafka
        self._timeout = timeout

    async def _partitions(self, topics: list[str]) -> list[TopicPartition]:
        """The partitions of those of ``topics`` that exist (a consumer with no group and
        no subscription knows no topic's partitions)."""
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._kafka.bootstrap_servers,
            request_timeout_ms=int(self._timeout * 1000),
        )
        await admin.start()
        try:
            described = await admin.describe_topics(topics)
        finally:
            await admin.close()
        return sorted(
            TopicPartition(topic["topic"], partition["partition"])
            for topic in described
            if not topic.get("error_code")
            for partition in topic["partitions"]
        )

    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self._kafka.bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            client_id="lotline-dead-letters",
            request_timeout_ms=int(self._timeout * 1000),
        )

    async def recent(self, topics: Iterable[str], *, per_partition: int) -> list[DeadLetter]:
        """The last ``per_partition`` records of every partition of ``topics``."""
        consumer = self._consumer()
        await consumer.start()
        try:
            return await asyncio.wait_for(
                self._recent(consumer, list(topics), per_partition), self._timeout
            )
        finally:
            await consumer.stop()

    async def _recent(
        self, consumer: AIOKafkaConsumer, topics: list[str], per_partition: int
    ) -> list[DeadLetter]:
        partitions = await self._partitions(topics)
        if not partitions:
            return []
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        begins = await consumer.beginning_offsets(partitions)
        starts = {tp: max(begins[tp], ends[tp] - per_partition) for tp in partitions}
        wanted = {tp: ends[tp] for tp in partitions if starts[tp] < ends[tp]}
        if not wanted:
            return []
        consumer.assign(list(wanted))  # only the partitions with something to read
        for tp in wanted:
            consumer.seek(tp, starts[tp])
        letters: list[DeadLetter] = []
        while wanted:
            batch = await consumer.getmany(*wanted, timeout_ms=200)
            for tp, records in batch.items():
                letters += [_letter(r) for r in records if r.offset < wanted.get(tp, -1)]
            for tp in list(wanted):
                if await consumer.position(tp) >= wanted[tp]:
                    del wanted[tp]
        return letters

    async def one(self, at: Coordinates) -> DeadLetter | None:
        """The dead letter at ``at``, or None when the topic holds no such offset (any more)."""
        consumer = self._consumer()
        await consumer.start()
        try:
            return await asyncio.wait_for(self._one(consumer, at), self._timeout)
        finally:
            await consumer.stop()

    async def _one(self, consumer: AIOKafkaConsumer, at: Coordinates) -> DeadLetter | None:
        tp = TopicPartition(at.topic, at.partition)
        if tp not in await self._partitions([at.topic]):
            return None
        consumer.assign([tp])
        begin = (await consumer.beginning_offsets([tp]))[tp]
        end = (await consumer.end_offsets([tp]))[tp]
        if not begin <= at.offset < end:
            return None
        consumer.seek(tp, at.offset)
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            records = (await consumer.getmany(tp, timeout_ms=200, max_records=1)).get(tp, [])
            for record in records:
                return _letter(record) if record.offset == at.offset else None
        return None
