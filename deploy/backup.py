"""``make backup`` / ``make restore``: every service's database, dumped with the Kafka
offsets its consumers had committed, and restored onto an empty system that then carries
on from the broker.

Why this order is consistent without stopping anything: the offsets are read *before* the
databases are dumped. A consumer commits its offset only after the database transaction
that applied the events, so each dump holds at least everything before the recorded
offsets. After a restore, each consumer starts again from there: what its database already
holds is skipped by its inbox, the rest is applied once. Events a consumer publishes carry
ids derived from their cause (``shared.derived_ids``), so those it publishes again while
catching up are the very ids it had published before the loss, and the consumers
downstream skip them too. An outbox row that was waiting in a dump is published again
under its own id: the same. What no backup can give back: a request answered after the
dump whose only record was in a database (an API write, a webhook not yet turned into an
event) — the shops' redeliveries and the reconciliation bring orders back; the rest must
be entered again.

    python -m deploy.backup backup [--to DIR]      (default: backups/<UTC time>)
    python -m deploy.backup restore DIR --yes      (every Lotline process stopped first)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from shared.db import asyncpg_dsn, ensure_database
from shared.observability.kafka_admin import admin_client, offsets_reader
from shared.settings import KafkaSettings, PostgresSettings, Settings

DATABASES = ("orders", "inventory", "production", "connectors", "trace", "gateway")
MANIFEST = "manifest.json"
FORMAT = 1

# group -> topic -> partition -> the next offset to read
Offsets = dict[str, dict[str, dict[int, int]]]


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: when, which databases, and where each consumer group was."""

    taken_at: str
    topic_prefix: str
    databases: dict[str, str]  # service -> dump file name
    offsets: Offsets

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **self.__dict__}

    @classmethod
    def of(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise SystemExit(f"not a Lotline backup of format {FORMAT}: {data.get('format')!r}")
        offsets = {
            group: {topic: {int(p): int(o) for p, o in parts.items()} for topic, parts in t.items()}
            for group, t in data["offsets"].items()
        }
        return cls(data["taken_at"], data["topic_prefix"], dict(data["databases"]), offsets)


# --------------------------------------------------------------------------- Kafka


async def committed_offsets(kafka: KafkaSettings) -> Offsets:
    """Every Lotline consumer group's committed offsets (groups named under the prefix)."""
    found: Offsets = {}
    async with admin_client(kafka) as admin:
        groups = [g for g, *_ in await admin.list_consumer_groups()]
        for group in sorted(g for g in groups if g.startswith(kafka.topic_prefix)):
            committed = await admin.list_consumer_group_offsets(group)
            for tp, meta in committed.items():
                if meta.offset >= 0:
                    found.setdefault(group, {}).setdefault(tp.topic, {})[tp.partition] = meta.offset
    return found


async def busy_groups(kafka: KafkaSettings, now: Offsets) -> list[str]:
    """Groups with a live member (a consumer still running would fight the reset). Asked
    by committing each group's own offsets again, which changes nothing: the broker refuses
    a commit from outside the group while the group has members."""
    busy = []
    for group, topics in sorted(now.items()):
        offsets = {TopicPartition(t, p): o for t, parts in topics.items() for p, o in parts.items()}
        try:
            await _commit(kafka, group, offsets)
        except KafkaError:
            busy.append(group)
    return busy


async def _commit(kafka: KafkaSettings, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


async def first_offsets(
    kafka: KafkaSettings, partitions: Sequence[TopicPartition]
) -> dict[TopicPartition, int]:
    if not partitions:
        return {}
    async with offsets_reader(kafka) as reader:
        return dict(await reader.beginning_offsets(list(partitions)))


async def reset_offsets(kafka: KafkaSettings, wanted: Offsets) -> None:
    """Commit, for every group, the recorded offset of each partition it has now or had
    then; a partition it had not read at backup time goes back to its first offset, as a
    new group's would (``auto_offset_reset=earliest``)."""
    now = await committed_offsets(kafka)
    for group in sorted(set(now) | set(wanted)):
        topics = {**now.get(group, {}), **wanted.get(group, {})}
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in {*topics[topic], *now.get(group, {}).get(topic, {})}
        ]
        earliest = await first_offsets(kafka, partitions)
        target = {
            tp: wanted.get(group, {}).get(tp.topic, {}).get(tp.partition, earliest[tp])
            for tp in partitions
        }
        await _commit(kafka, group, target)


# --------------------------------------------------------------------------- PostgreSQL


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or f"/usr/lib/postgresql/15/bin/{name}"
    if not Path(found).exists():
        raise SystemExit(f"{name} not found: install postgresql-client-15")
    return found


def _pg_args(pg: PostgresSettings) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PGPASSWORD": pg.password.get_secret_value()}
    return ["-h", pg.host, "-p", str(pg.port), "-U", pg.user], env


async def _run(command: list[str], env: dict[str, str]) -> None:
    done = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()}"
        )


async def _exists(pg: PostgresSettings, database: str) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(pg.url_for_database("postgres")))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database))
    finally:
        await conn.close()


async def dump(pg: PostgresSettings, database: str, path: Path) -> None:
    """One database in pg_dump's custom format: one consistent snapshot of it."""
    args, env = _pg_args(pg)
    await _run([_pg_tool("pg_dump"), *args, "-Fc", "-d", database, "-f", str(path)], env)


async def load(pg: PostgresSettings, database: str, path: Path) -> None:
    """The database dropped (its connections closed), created empty and loaded."""
    conn = await asyncpg.connect(asyncpg_dsn(pg.url_for_database("postgres")))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()
    await ensure_database(pg, database)
    args, env = _pg_args(pg)
    command = [_pg_tool("pg_restore"), *args, "--no-owner", "--exit-on-error", "-d", database]
    await _run([*command, str(path)], env)


# --------------------------------------------------------------------------- the two commands


async def backup(settings: Settings, target: Path) -> Manifest:
    """Offsets first, then each database that exists (a service never started has none)."""
    offsets = await committed_offsets(settings.kafka)
    taken_at = datetime.now(UTC).isoformat()
    await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
    databases = {}
    for service in DATABASES:
        database = settings.pg.database(service)
        if not await _exists(settings.pg, database):
            continue
        databases[service] = f"{service}.dump"
        await dump(settings.pg, database, target / databases[service])
    manifest = Manifest(taken_at, settings.kafka.topic_prefix, databases, offsets)
    text = json.dumps(manifest.to_json(), indent=2, sort_keys=True)
    await asyncio.to_thread((target / MANIFEST).write_text, text + "\n")
    return manifest


async def restore(settings: Settings, source: Path) -> Manifest:
    """Every database of the backup replaced by its dump, then every consumer group set
    back to where it was; refused while a consumer of the system is running."""
    manifest = Manifest.of(json.loads((source / MANIFEST).read_text()))
    if manifest.topic_prefix != settings.kafka.topic_prefix:
        raise SystemExit(
            f"the backup is of topics {manifest.topic_prefix!r}*, this system's are "
            f"{settings.kafka.topic_prefix!r}*"
        )
    busy = await busy_groups(settings.kafka, await committed_offsets(settings.kafka))
    if busy:
        raise SystemExit(f"stop Lotline first (make down): consumers still running in {busy}")
    for service, file in manifest.databases.items():
        await load(settings.pg, settings.pg.database(service), source / file)
    await reset_offsets(settings.kafka, manifest.offsets)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.backup", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("backup", help="dump every database with its consumers' offsets")
    take.add_argument("--to", type=Path, help="folder to write (default: backups/<UTC time>)")
    give = commands.add_parser("restore", help="replace every database by a backup's")
    give.add_argument("source", type=Path)
    give.add_argument("--yes", action="store_true", help="yes, replace the databases")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "backup":
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = args.to or Path("backups") / stamp
        manifest = asyncio.run(backup(settings, target))
        groups = len(manifest.offsets)
        print(f"backup in {target}: {', '.join(manifest.databases)}; offsets of {groups} groups")
        return 0
    if not args.yes:
        print("restore replaces every Lotline database: run again with --yes", file=sys.stderr)
        return 2
    manifest = asyncio.run(restore(settings, args.source))
    print(f"restored {', '.join(manifest.databases)} as of {manifest.taken_at}; consumers reset")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
