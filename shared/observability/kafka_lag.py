"""Consumer lag of the service's own groups, read at scrape time: for each partition of
each topic a group consumes, the log end offset minus the group's committed offset."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aiokafka.structs import TopicPartition
from prometheus_client.core import GaugeMetricFamily, Metric

from shared.observability.kafka_admin import admin_client, offsets_reader
from shared.settings import KafkaSettings


def lag(*, committed: int | None, beginning: int, end: int) -> int:
    """A group that never committed on a partition starts at its beginning (our groups
    use ``auto_offset_reset="earliest"``), so all that is still on it counts as lag."""
    position = beginning if committed is None or committed < beginning else committed
    return max(end - position, 0)


@dataclass(frozen=True)
class ConsumerLag:
    """``groups`` maps each consumer group to its topic (``EventSubscriber.groups``)."""

    kafka: KafkaSettings
    groups: Mapping[str, str]
    name: str = "kafka_consumer_lag"

    async def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "lotline_kafka_consumer_lag",
            "Messages on a partition that the consumer group has not committed yet",
            labels=["group", "topic", "partition"],
        )
        groups = dict(self.groups)
        if not groups:
            return [family]
        async with admin_client(self.kafka) as admin, offsets_reader(self.kafka) as reader:
            described = await admin.describe_topics(sorted(set(groups.values())))
            partitions = {
                d["topic"]: [TopicPartition(d["topic"], p["partition"]) for p in d["partitions"]]
                for d in described
                if d["error_code"] == 0
            }
            every = [tp for tps in partitions.values() for tp in tps]
            ends, beginnings = await asyncio.gather(
                reader.end_offsets(every), reader.beginning_offsets(every)
            )
            for group, topic in sorted(groups.items()):
                committed = await admin.list_consumer_group_offsets(group)
                for tp in sorted(partitions.get(topic, ())):
                    offset = committed.get(tp)
                    value = lag(
                        committed=offset.offset if offset is not None else None,
                        beginning=beginnings[tp],
                        end=ends[tp],
                    )
                    family.add_metric([group, topic, str(tp.partition)], float(value))
        return [family]
