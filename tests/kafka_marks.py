"""Proving that something did *not* happen without sleeping: take the topics' end offsets
now (a mark behind everything published so far) and wait until the consumer groups have
committed past it. A group commits only after its handler's transaction committed
(``shared.messaging``), so whatever handling those messages caused has happened by then.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from aiokafka import ConsumerRecord, TopicPartition

from shared.observability.kafka_admin import admin_client, offsets_reader
from shared.settings import KafkaSettings

Marks = dict[TopicPartition, int]


async def end_offsets(kafka: KafkaSettings, topics: Iterable[str]) -> Marks:
    """The end offset of every partition of ``topics`` (full names): what was published."""
    names = sorted(set(topics))
    async with admin_client(kafka) as admin:
        described = await admin.describe_topics(names)
    partitions = [
        TopicPartition(d["topic"], p["partition"])
        for d in described
        if d["error_code"] == 0
        for p in d["partitions"]
    ]
    assert {tp.topic for tp in partitions} == set(names), f"unknown topic in {names}"
    async with offsets_reader(kafka) as reader:
        ends: Marks = await reader.end_offsets(partitions)
    return ends


async def groups_of(kafka: KafkaSettings) -> list[str]:
    """Every consumer group of this deployment (its topic prefix)."""
    async with admin_client(kafka) as admin:
        listed = await admin.list_consumer_groups()
    return sorted(g[0] for g in listed if g[0].startswith(kafka.topic_prefix))


async def behind(
    kafka: KafkaSettings, marks: Marks, groups: Iterable[str], *, every_topic: bool
) -> list[str]:
    """Which (group, partition) has not yet committed up to its mark. With ``every_topic``
    each group must reach every mark; otherwise a group counts for a topic once it has
    committed on any partition of it (a discovered group consumes only some topics)."""
    late = []
    async with admin_client(kafka) as admin:
        for group in groups:
            committed = await admin.list_consumer_group_offsets(group)
            consumed = {tp.topic for tp in committed}
            for tp, mark in marks.items():
                if tp.topic not in consumed and not every_topic:
                    continue
                at = committed.get(tp)
                position = at.offset if at is not None and at.offset >= 0 else 0
                if position < mark:
                    late.append(f"{group} {tp.topic}[{tp.partition}] at {position} < {mark}")
    return late


async def wait_processed(
    kafka: KafkaSettings,
    marks: Marks,
    *,
    groups: Iterable[str] | None = None,
    timeout: float = 60.0,
) -> None:
    """Wait until ``groups`` have committed at least ``marks`` on every marked partition,
    or (``groups`` omitted) every group of the deployment on the marked topics it consumes;
    fail at the deadline, saying who lags."""
    chosen = list(groups) if groups is not None else await groups_of(kafka)
    assert chosen, "no consumer group to wait for"
    deadline = time.monotonic() + timeout
    while late := await behind(kafka, marks, chosen, every_topic=groups is not None):
        if time.monotonic() > deadline:
            raise AssertionError(f"not processed within {timeout}s: {late}")
        await asyncio.sleep(0.1)


async def read_to_marks(
    kafka: KafkaSettings, marks: Marks, *, timeout: float = 30.0
) -> list[ConsumerRecord]:
    """Every record of the marked partitions from the beginning up to its mark: all that was
    published when the marks were taken, and no waiting for anything that was not."""
    records: list[ConsumerRecord] = []
    async with offsets_reader(kafka) as reader:
        reader.assign(list(marks))
        await reader.seek_to_beginning(*marks)
        deadline = time.monotonic() + timeout
        while [tp for tp, mark in marks.items() if await reader.position(tp) < mark]:
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read up to {marks} within {timeout}s")
            batch = await reader.getmany(timeout_ms=200)
            for tp, partition_records in batch.items():
                records.extend(r for r in partition_records if r.offset < marks[tp])
    return records
