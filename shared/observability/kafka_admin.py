"""Short-lived Kafka clients for probes: opened, asked, closed, with short timeouts, so a
broker that is down makes a probe fail fast instead of hanging a scrape."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from shared.settings import KafkaSettings

REQUEST_TIMEOUT_MS = 2_000


@asynccontextmanager
async def admin_client(settings: KafkaSettings) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers,
        client_id="lotline-probe",
        request_timeout_ms=REQUEST_TIMEOUT_MS,
    )
    try:
        await admin.start()
        yield admin
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


@asynccontextmanager
async def offsets_reader(settings: KafkaSettings) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer in no group: it only reads partitions and their first and end offsets."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id="lotline-probe",
        enable_auto_commit=False,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
    )
    try:
        await consumer.start()
        yield consumer
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
