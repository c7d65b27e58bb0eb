"""The benchmark counts the CPU of its own PostgreSQL and Kafka only: another cluster on
the same box (a test run's, a second checkout's) is not the system's cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.probes import infrastructure_pids
from shared.settings import Settings

pytestmark = pytest.mark.integration


def kafka_port(settings: Settings) -> int:
    return int(settings.kafka.bootstrap_servers.split(",")[0].rsplit(":", 1)[1])


def test_the_servers_on_the_benchmarks_ports_are_found(settings: Settings) -> None:
    found = infrastructure_pids(pg_port=settings.pg.port, kafka_port=kafka_port(settings))
    postmaster, *backends = found["postgresql"]
    assert backends, "a running server has its background processes"
    data_dir = Path(f"/proc/{postmaster}/cwd").resolve()
    assert (data_dir / "postmaster.pid").read_text().splitlines()[0] == str(postmaster)
    assert len(found["kafka"]) == 1
    assert b"kafka.Kafka" in Path(f"/proc/{found['kafka'][0]}/cmdline").read_bytes()


def test_servers_on_other_ports_are_not_counted(settings: Settings) -> None:
    found = infrastructure_pids(
        pg_port=settings.pg.port + 1, kafka_port=kafka_port(settings) + 1000
    )
    assert found == {"kafka": [], "postgresql": []}
