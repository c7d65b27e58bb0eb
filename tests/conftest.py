"""Session fixtures: the real PostgreSQL and Kafka (started by the project's own script),
and a fresh namespace per test run (database prefix and topic prefix)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shared import db
from shared.settings import KafkaSettings, Ports, PostgresSettings, Settings

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
def infrastructure() -> None:
    """Kafka and PostgreSQL answer (started here when they are not running yet)."""
    if not _infra_running():
        subprocess.run([str(ROOT / "deploy" / "infra.sh"), "start"], check=True)


@pytest.fixture(scope="session")
def settings(infrastructure: None) -> Settings:
    """Settings for this test run: its own databases and topics, never the demo system's."""
    base = Settings()
    return base.model_copy(
        update={
            "environment": "test",
            "pg": PostgresSettings(
                host=base.pg.host, port=base.pg.port, database_prefix=f"lotline_t{RUN_ID}_"
            ),
            "kafka": KafkaSettings(
                bootstrap_servers=base.kafka.bootstrap_servers, topic_prefix=f"t{RUN_ID}."
            ),
            "ports": Ports(
                gateway=18000, orders=18101, inventory=18102, production=18103, connectors=18104
            ),
            "upstreams": {},
        }
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a service process needs to run with ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTLINE_")}
    env.update(
        {
            "LOTLINE_ENVIRONMENT": "test",
            "LOTLINE_PG__HOST": settings.pg.host,
            "LOTLINE_PG__PORT": str(settings.pg.port),
            "LOTLINE_PG__DATABASE_PREFIX": settings.pg.database_prefix,
            "LOTLINE_KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
            "LOTLINE_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
            "LOTLINE_LOG_LEVEL": "INFO",
        }
    )
    for name in ("gateway", "orders", "inventory", "production", "connectors"):
        env[f"LOTLINE_PORTS__{name.upper()}"] = str(getattr(settings.ports, name))
    return env


@pytest.fixture(scope="session", autouse=True)
async def drop_test_databases(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Leave no test database behind (only when this run created some)."""
    yield
    if "settings" not in request.fixturenames and not _infra_running():
        return
    pg = PostgresSettings(port=Settings().pg.port, database_prefix=f"lotline_t{RUN_ID}_")
    for service in ("orders", "inventory", "production", "connectors"):
        try:
            await db.drop_database(pg, pg.database(service))
        except OSError:
            return


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"
