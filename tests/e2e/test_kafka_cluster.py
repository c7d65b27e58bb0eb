"""A replicated Kafka cluster under load (issue 15 §2): three KRaft nodes on loopback,
every topic with three replicas and two required in sync. While orders flow, the leader
of the busiest partition (the inbound orders' first) is SIGKILLed and started again a few
seconds later. Nothing is lost or doubled, every order settles, and no Lotline process
was restarted: producers and consumers moved to the new leaders by themselves."""

from __future__ import annotations

import asyncio
import functools
import random
import socket
from pathlib import Path

import pytest
from aiokafka.errors import KafkaError

from bench.chaos import Tally, wait_drained
from bench.load import deliveries
from deploy.kafka_cluster import Cluster
from shared.contracts import topics
from shared.observability.kafka_admin import admin_client
from shared.settings import KafkaSettings, Settings
from tests.containers import QUIET_PORTS
from tests.e2e.conftest import PROCESSES, eventually
from tests.e2e.isolated_system import CLEAN, judged, own_system, seeded, send, settled_orders

pytestmark = [pytest.mark.e2e, pytest.mark.isolated, pytest.mark.timeout(420)]


def free_block(size: int) -> int:
    """A base port with ``size`` consecutive free ports (a broker and a controller each)."""
    while True:
        base = random.randrange(QUIET_PORTS.start, QUIET_PORTS.stop - size)
        if all(bindable(port) for port in range(base, base + size)):
            return base


def bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def leader_of(kafka: KafkaSettings, topic: str, partition: int) -> int:
    """The partition's leader as a live broker reports it; -1 when the one asked is the
    dead one (the admin client may pick any node)."""
    try:
        async with admin_client(kafka) as admin:
            [described] = await admin.describe_topics([topic])
    except KafkaError:
        return -1
    [found] = [p for p in described["partitions"] if p["partition"] == partition]
    return int(found["leader"])


async def test_orders_flow_on_while_a_partition_leader_dies_and_returns(
    settings: Settings, tmp_path: Path
) -> None:
    cluster = Cluster(tmp_path / "run", free_block(6))
    await asyncio.to_thread(cluster.start)
    returned: asyncio.Future[None] | None = None
    try:
        kafka = settings.kafka.model_copy(
            update={"bootstrap_servers": cluster.bootstrap_servers, "replication_factor": 3}
        )
        base = settings.model_copy(update={"kafka": kafka})
        tally = Tally()
        async with own_system(base, tmp_path / "logs") as system:
            catalogue = await seeded(system, orders=80)
            batch = deliveries(catalogue, 60, random.Random(2))
            load = asyncio.create_task(send(system, batch, tally, rate=6.0))
            # orders in flight on every topic: some have crossed the whole pipeline
            before = await eventually(functools.partial(settled_orders, system), lambda n: n >= 10)
            inbound = system.settings.kafka.topic(topics.INBOUND_ORDERS)
            victim = await leader_of(system.settings.kafka, inbound, 0)
            await asyncio.to_thread(cluster.kill, victim)
            moved_to = await eventually(
                functools.partial(leader_of, system.settings.kafka, inbound, 0),
                lambda leader: leader not in (victim, -1),
                timeout=30.0,
            )  # the controller fenced the dead broker: another replica leads
            # orders keep flowing on two nodes: more settle while the victim is down
            await eventually(functools.partial(settled_orders, system), lambda n: n >= before + 10)
            # the victim returns while the rest of the load is sent and drained
            returned = asyncio.create_task(asyncio.to_thread(cluster.start_node, victim))
            await load
            facts, _ = await wait_drained(system.settings, tally, 150.0)
            await returned  # it served clients again (start_node waits for that)
            still_running = {n: system.processes[n].poll() is None for n in PROCESSES}
    finally:
        if returned is not None:  # not killed while a JVM is being started
            await asyncio.gather(returned, return_exceptions=True)
        for node in cluster.nodes:  # a throwaway cluster: no graceful shutdown to wait for
            await asyncio.to_thread(cluster.kill, node.node_id)

    assert moved_to != victim and len(tally.accepted) == 60
    assert judged(facts, tally) == CLEAN
    assert still_running == dict.fromkeys(PROCESSES, True)  # nobody was restarted
