"""A service process: its database (created and migrated), its broker, subscribers, outbox
relay and retention prune, started and stopped together from the FastAPI lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol

from fastapi import FastAPI, Request
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import body_limit, contracts, db, encryption, migrations
from shared.contracts import topics
from shared.contracts.base import pin_publish_versions
from shared.dead_letters import api as dead_letters_api
from shared.dead_letters.reader import DeadLetterReader
from shared.dead_letters.service import DeadLetters
from shared.messaging import EventSubscriber, ensure_topics, kafka_broker, with_retries
from shared.observability import checks
from shared.observability.app import observe
from shared.observability.health import ReadinessCheck
from shared.observability.kafka_lag import ConsumerLag
from shared.observability.metrics import Metrics
from shared.observability.probes import DeadLettered, OutboxBacklog
from shared.outbox import OutboxRelay
from shared.retention import RetentionWorker, inbox_prune
from shared.settings import Settings

log = logging.getLogger(__name__)

Subscriptions = Callable[[EventSubscriber, KafkaBroker, AsyncEngine], None]


class BackgroundWorker(Protocol):
    """A task the service runs beside its subscribers (mail sender, write-back worker)."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class ServiceRuntime:
    """Everything one service process owns besides its HTTP routes."""

    def __init__(
        self,
        service: str,
        settings: Settings,
        *,
        migrations_dir: Path,
        subscriptions: Subscriptions | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        encryption.configure(settings.secrets.keys)
        pin_publish_versions(contracts.event_classes(), settings.contracts.publish_versions)
        self.migrations_dir = migrations_dir
        self.url = settings.pg.url(service)
        self.engine = db.create_engine(self.url, pool_size=settings.pg.pool_size)
        self.broker = kafka_broker(settings.kafka, client_id=f"lotline-{service}")
        self.relay = OutboxRelay(
            self.engine,
            self.broker,
            topic_name=settings.kafka.topic,
            batch_size=settings.relay.batch_size,
            poll_interval=settings.relay.poll_interval_seconds,
        )
        retention = settings.retention
        # More tables kept only for deduplication: ``runtime.retention.add`` (connectors).
        self.retention = RetentionWorker(
            self.engine,
            [inbox_prune()],
            window_days=retention.inbox_days,
            batch_size=retention.prune_batch,
            interval=retention.prune_interval_seconds,
        )
        self.subscriber = EventSubscriber(
            self.broker, settings.kafka, service=service, consumer=settings.consumer
        )
        if subscriptions is not None:
            subscriptions(self.subscriber, self.broker, self.engine)
        self.dead_letters = DeadLetters(
            service,
            self.engine,
            self.broker,
            DeadLetterReader(settings.kafka),
            consumed=self.subscriber.groups.values,
        )
        self._workers: list[BackgroundWorker] = []
        self.metrics = Metrics(service)
        self.metrics.add(
            OutboxBacklog(self.engine),
            ConsumerLag(settings.kafka, self.subscriber.groups),
            DeadLettered(self.subscriber.dead_lettered),
        )
        self.checks: list[ReadinessCheck] = [
            checks.database(self.engine),
            checks.kafka(settings.kafka),
            checks.migrations_at_head(service, migrations_dir, self.engine),
        ]

    def install(self, app: FastAPI) -> None:
        """Make ``app`` this runtime's: ``/healthz``, ``/readyz``, ``/metrics``, request
        metrics and correlated request logs (more probes: ``runtime.metrics.add``), and
        ``/api/dead-letters/<service>`` to list and replay what its consumers dead-lettered."""
        app.state.runtime = self
        observe(app, self.metrics, self.checks)
        dead_letters_api.install(app, self.dead_letters)
        body_limit.install(app, self.settings.requests)

    def add_worker(self, worker: BackgroundWorker) -> None:
        """Started after the broker and relay, stopped before them."""
        self._workers.append(worker)

    async def prepare_database(self) -> None:
        await db.ensure_database(self.settings.pg, self.settings.pg.database(self.service))
        await migrations.upgrade(self.service, self.migrations_dir, self.url)

    async def start(self) -> None:
        """Wait (bounded) for PostgreSQL and Kafka, so start order between processes is free."""
        await with_retries(self.prepare_database, max_seconds=60)
        await with_retries(lambda: ensure_topics(self.settings.kafka, topics.ALL), max_seconds=60)
        await self.broker.start()
        self.relay.start()
        self.retention.start()
        for worker in self._workers:
            worker.start()
        log.info("%s service started", self.service)

    async def stop(self) -> None:
        # All at once: each lets its turn in hand finish for its grace, so stopping takes
        # the longest grace, not their sum (two workers stuck on a marketplace that went
        # away held connectors' shutdown for ten seconds).
        await asyncio.gather(*(worker.stop() for worker in reversed(self._workers)))
        await self.retention.stop()
        await self.relay.stop()
        await self.broker.stop()
        await self.engine.dispose()

    @asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()


async def engine_of(request: Request) -> AsyncEngine:
    """FastAPI dependency: the engine of the service serving this request (async: FastAPI
    runs a plain ``def`` dependency in a worker thread, a thread hop on every request)."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime.engine
