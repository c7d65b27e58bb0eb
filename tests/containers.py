"""Test servers from testcontainers, used only where a Docker engine answers.

On machines without one (ours), the suite uses the servers ``deploy/infra.sh`` starts.
Force a choice with ``LOTLINE_TEST_INFRA=local|containers``.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Servers:
    pg_host: str
    pg_port: int
    pg_password: str
    kafka_bootstrap: str
    containers: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for container in self.containers:
            container.stop()


def docker_engine_answers() -> bool:
    choice = os.environ.get("LOTLINE_TEST_INFRA", "auto")
    if choice != "auto":
        return choice == "containers"
    try:
        result = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


# Below Linux's ephemeral range (32768–60999): a port the OS hands out for "any free port"
# can be taken by one of the many outbound connections the services open while starting.
QUIET_PORTS = range(20000, 32000)


def quiet_port(taken: set[int]) -> int:
    """A free port no outbound connection will be given meanwhile."""
    while True:
        port = random.choice(QUIET_PORTS)
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_containers() -> Servers:
    """PostgreSQL 15 and Apache Kafka 4.4 (KRaft, single node) in containers."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.postgres import PostgresContainer

    postgres = PostgresContainer("postgres:15", username="postgres", password="postgres")
    postgres.start()
    port = free_port()
    kafka = (
        DockerContainer("apache/kafka:4.4.0")
        .with_bind_ports(9092, port)
        .with_env("KAFKA_NODE_ID", "1")
        .with_env("KAFKA_PROCESS_ROLES", "broker,controller")
        .with_env("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093")
        .with_env("KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://127.0.0.1:{port}")
        .with_env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
        .with_env(
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
        )
        .with_env("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
        .with_env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
        .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
        .with_env("KAFKA_NUM_PARTITIONS", "6")
    )
    kafka.start()
    wait_for_logs(kafka, "Kafka Server started", timeout=90)
    return Servers(
        pg_host=postgres.get_container_host_ip(),
        pg_port=int(postgres.get_exposed_port(5432)),
        pg_password="postgres",
        kafka_bootstrap=f"127.0.0.1:{port}",
        containers=[kafka, postgres],
    )
