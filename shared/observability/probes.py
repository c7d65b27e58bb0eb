"""Probes that read the service's own database at scrape time: the outbox backlog, and
row counts a service names (dead rows kept for an operator, webhook deliveries pending)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.outbox import OUTBOX


@dataclass(frozen=True)
class OutboxBacklog:
    """Rows staged but not yet published, and how long the oldest has waited: a relay that
    cannot reach Kafka shows as a growing age long before anyone misses an event."""

    engine: AsyncEngine
    name: str = "outbox"

    async def collect(self) -> Iterable[Metric]:
        query = sa.select(
            sa.func.count(),
            sa.func.extract("epoch", sa.func.now() - sa.func.min(OUTBOX.c.created_at)),
        )  # published rows are deleted (``shared.outbox``): every row waits
        async with self.engine.connect() as conn:
            count, age = (await conn.execute(query)).one()
        backlog = GaugeMetricFamily(
            "lotline_outbox_unpublished", "Outbox rows not yet published to Kafka"
        )
        backlog.add_metric([], float(count))
        oldest = GaugeMetricFamily(
            "lotline_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none waits)",
        )
        oldest.add_metric([], max(float(age or 0), 0.0))
        return [backlog, oldest]


@dataclass(frozen=True)
class RowCounts:
    """One gauge, one sample per labelled count query (each returns a single number)."""

    engine: AsyncEngine
    name: str
    metric: str
    documentation: str
    label: str
    queries: Mapping[str, sa.Select[int]]

    async def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(self.metric, self.documentation, labels=[self.label])
        async with self.engine.connect() as conn:
            for value, query in self.queries.items():
                family.add_metric([value], float(await conn.scalar(query) or 0))
        return [family]


def dead_letters(engine: AsyncEngine, queries: Mapping[str, sa.Select[int]]) -> RowCounts:
    """Rows a service keeps as dead for an operator to replay or answer, by kind."""
    return RowCounts(
        engine,
        name="dead_letters",
        metric="lotline_dead_letters",
        documentation="Rows the service keeps as dead (given up, waiting for an operator), by kind",
        label="kind",
        queries=queries,
    )


def count_where(table: sa.Table, *conditions: sa.ColumnElement[bool]) -> sa.Select[int]:
    return sa.select(sa.func.count()).select_from(table).where(*conditions)


@dataclass(frozen=True)
class DeadLettered:
    """Messages this process sent to a dead-letter topic since it started, by source topic
    (``EventSubscriber.dead_lettered``)."""

    counts: Mapping[str, int]
    name: str = "dead_lettered"

    async def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(
            "lotline_messages_dead_lettered",
            "Consumed messages this process published to <topic>.dlq since it started",
            labels=["topic"],
        )
        for topic, count in sorted(self.counts.items()):
            family.add_metric([topic], float(count))
        return [family]
