"""Session fixtures: the real PostgreSQL and Kafka (started by the project's own script),
and a fresh namespace per test run (database prefix and topic prefix)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from shared import db
from shared.settings import KafkaSettings, Ports, PostgresSettings, Settings
from tests.containers import Servers, docker_engine_answers, quiet_port, start_containers

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = uuid.uuid4().hex[:8]


def _infra_running() -> bool:
    return (
        subprocess.run(
            [str(ROOT / "deploy" / "infra.sh"), "status"], capture_output=True, check=False
        ).returncode
        == 0
    )


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Servers]:
    """Kafka and PostgreSQL: containers where a Docker engine answers, else the project's
    own local servers (started here when they are not running yet)."""
    if docker_engine_answers():
        servers = start_containers()
        try:
            yield servers
        finally:
            servers.stop()
        return
    if not _infra_running():
        subprocess.run([str(ROOT / "deploy" / "infra.sh"), "start"], check=True)
    base = Settings()
    yield Servers(
        pg_host=base.pg.host,
        pg_port=base.pg.port,
        pg_password=base.pg.password.get_secret_value(),
        kafka_bootstrap=base.kafka.bootstrap_servers,
    )


@pytest.fixture(scope="session")
def settings(infrastructure: Servers) -> Settings:
    """Settings for this test run: its own databases and topics, never the demo system's."""
    base = Settings()
    taken: set[int] = set()
    return base.model_copy(
        update={
            "environment": "test",
            "pg": PostgresSettings(
                host=infrastructure.pg_host,
                port=infrastructure.pg_port,
                password=SecretStr(infrastructure.pg_password),
                database_prefix=f"lotline_t{RUN_ID}_",
            ),
            # Three partitions, not the deployments' six: the suite makes a few hundred
            # topics on one small broker, and two instances of a consumer need only two.
            "kafka": KafkaSettings(
                bootstrap_servers=infrastructure.kafka_bootstrap,
                topic_prefix=f"t{RUN_ID}.",
                partitions=TEST_PARTITIONS,
            ),
            # Free ports, so two checkouts can run their suites side by side: distinct, and
            # below the ephemeral range, where the OS hands "any free port" out again (two
            # services of one run were once given the same one) and to outbound connections.
            "ports": Ports(**{name: quiet_port(taken) for name in PROCESS_PORTS}),
            "upstreams": {},
        }
    )


PROCESS_PORTS = ("gateway", "orders", "inventory", "production", "connectors", "trace")
TEST_PARTITIONS = 3


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a service process needs to run with ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTLINE_")}
    env.update(
        {
            "LOTLINE_ENVIRONMENT": "test",
            "LOTLINE_PG__HOST": settings.pg.host,
            "LOTLINE_PG__PORT": str(settings.pg.port),
            "LOTLINE_PG__PASSWORD": settings.pg.password.get_secret_value(),
            "LOTLINE_PG__DATABASE_PREFIX": settings.pg.database_prefix,
            "LOTLINE_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
            "LOTLINE_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
            "LOTLINE_KAFKA__REPLICATION_FACTOR": str(settings.kafka.replication_factor),
            "LOTLINE_KAFKA__PARTITIONS": str(settings.kafka.partitions),
            "LOTLINE_LOG_LEVEL": "INFO",
        }
    )
    for name in PROCESS_PORTS:
        env[f"LOTLINE_PORTS__{name.upper()}"] = str(getattr(settings.ports, name))
    return env


@pytest.fixture(scope="session")
async def scratch_databases(settings: Settings) -> AsyncIterator[None]:
    """Leave no test database behind."""
    yield
    for service in ("orders", "inventory", "production", "connectors", "trace", "gateway"):
        await db.drop_database(settings.pg, settings.pg.database(service))


def run_order(item: pytest.Item) -> int:
    """Where a test goes in the run. ``make test`` hands whole files to pytest-xdist
    workers in this order (``--dist loadfile --no-loadscope-reorder``), each worker taking
    the next file when it runs dry: the long tests that start a system of their own first,
    so the workers share them; then the journeys on the suite's system; the API fuzz
    after every journey (it leaves odd shops, items and lines behind in its worker's
    system, and no journey may meet them); the many short files last, to even out the end."""
    if item.get_closest_marker("isolated"):
        return 0
    if item.path.name == "test_openapi_fuzz.py":
        return 2
    if item.path.parent.name == "e2e":
        return 1
    return 3


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=run_order)  # stable: within a rank, files and tests keep their order
