"""Rebuild the genealogy read model from the event streams: drop it, rewind trace's
consumer groups to the earliest offsets, and let the service consume everything again.

Run it while the trace service is stopped (``python -m services.trace.rebuild``); the
recalls already issued are trace's own records and stay.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer

from services.trace import tables as t
from services.trace.handlers import HANDLED_TOPICS
from services.trace.projection import CONSUMER
from shared import db
from shared.settings import KafkaSettings, Settings, get_settings

SERVICE = "trace"


async def drop_read_model(settings: Settings) -> None:
    engine = db.create_engine(settings.pg.url(SERVICE), pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"TRUNCATE {t.node.name}, {t.edge.name}"))
            await conn.execute(t.INBOX.delete().where(t.INBOX.c.consumer == CONSUMER))
    finally:
        await engine.dispose()


async def rewind(kafka: KafkaSettings, *, group_id: str, topic: str) -> None:
    """Commit the earliest offset of every partition for ``group_id``, joining the group
    as its only member (no trace process may be running, or it would share the partitions)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=200, max_records=1)
        partitions = sorted(consumer.assignment(), key=lambda tp: tp.partition)
        earliest = await consumer.beginning_offsets(partitions)
        await consumer.commit(dict(earliest))
    finally:
        await consumer.stop()


async def rebuild(settings: Settings) -> None:
    await drop_read_model(settings)
    for handler, topic in HANDLED_TOPICS.items():
        group_id = f"{settings.kafka.topic_prefix}{SERVICE}.{handler}"
        await rewind(settings.kafka, group_id=group_id, topic=settings.kafka.topic(topic))


if __name__ == "__main__":
    asyncio.run(rebuild(get_settings()))
