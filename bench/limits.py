"""The machine's own ceilings, measured in the same run: ``pgbench -N`` against the same
PostgreSQL server and Kafka's ``ProducerPerformance`` against the same broker."""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import asyncpg

from shared.db import asyncpg_dsn
from shared.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
KAFKA_LIBS = ROOT / ".cache" / "kafka-libs"
KAFKA_TOOLS = ROOT / ".cache" / "kafka-tools"  # make bench-tools: the kafka-tools jar
PGBENCH_SECONDS = 10


def pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    return found or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))), None)


async def _admin(settings: Settings, statement: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(settings.pg.url_for_database("postgres")))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def pgbench(settings: Settings, *, seconds: int = PGBENCH_SECONDS) -> dict[str, Any]:
    """Simple-update transactions (``-N``) per second in a scratch database, dropped after."""
    binary = pgbench_binary()
    if binary is None:
        return {"skipped": "pgbench not found (postgresql-15 or postgresql-client)"}
    database = f"{settings.pg.database_prefix}pgbench"
    pg = settings.pg
    env = {
        **os.environ,
        "PGHOST": pg.host,
        "PGPORT": str(pg.port),
        "PGUSER": pg.user,
        "PGPASSWORD": pg.password.get_secret_value(),
    }
    await _admin(settings, f'CREATE DATABASE "{database}"')
    try:
        init = [binary, "-i", "-q", "-s", "10", database]
        await asyncio.to_thread(subprocess.run, init, env=env, capture_output=True, check=True)
        command = [binary, "-N", "-c", "4", "-j", "2", "-T", str(seconds), database]
        done = await asyncio.to_thread(
            subprocess.run, command, env=env, capture_output=True, text=True, check=True
        )
    finally:
        await _admin(settings, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    tps = re.search(r"tps = ([\d.]+)", done.stdout)
    return {
        "command": " ".join(command[:-1]),
        "seconds": seconds,
        "transactions_per_second": float(tps.group(1)) if tps else None,
    }


def _kafka_classpath() -> str:
    return f"{KAFKA_TOOLS}/*:{KAFKA_LIBS}/*"


async def kafka_producer(settings: Settings, *, records: int = 200_000) -> dict[str, Any]:
    """Kafka's own producer perf test: 500-byte records, as fast as it goes."""
    if not list(KAFKA_TOOLS.glob("kafka-tools-*.jar")):
        return {"skipped": f"no kafka-tools jar in {KAFKA_TOOLS} (make bench-tools)"}
    topic = settings.kafka.topic("bench-producer-perf")
    command = [
        "java",
        "-cp",
        _kafka_classpath(),
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(records),
        "--record-size",
        "500",
        "--throughput",
        "-1",
        "--producer-props",
        f"bootstrap.servers={settings.kafka.bootstrap_servers}",
    ]
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, check=True, timeout=300
    )
    summary = done.stdout.strip().splitlines()[-1]
    rate = re.search(r"([\d.]+) records/sec", summary)
    p99 = re.search(r"([\d.]+) ms 99th", summary)
    return {
        "command": f"ProducerPerformance --num-records {records} --record-size 500 --throughput -1",
        "records": records,
        "records_per_second": float(rate.group(1)) if rate else None,
        "p99_ms": float(p99.group(1)) if p99 else None,
        "summary": summary,
    }
