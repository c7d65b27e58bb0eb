"""The broker, topics, and how a service consumes events reliably.

Every subscriber here commits its offset only after the handler's transaction committed
(FastStream's Kafka default would commit first and can lose messages): a service's batch
consumers note each applied batch with their group's ``OffsetCommitter``, which commits
them together a moment later (``shared.offset_commits``); a failed batch rewinds its
partitions so it is fetched again. Transient faults are retried in-process
(``shared.retrying``), then re-raised so Kafka redelivers; poison messages and
deterministic failures go to ``<topic>.dlq`` with the reason and the service and consumer
group that failed them, and the partition moves on (``shared.dead_letters`` lists and
replays them).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import sys
import time
import weakref
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.subscriber.usecase import BatchSubscriber
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import contracts, retrying
from shared.consuming import LockFirst, UseCase, apply_batch, apply_once
from shared.contracts import registry
from shared.contracts.base import Event, PoisonMessage
from shared.contracts.envelope import Envelope
from shared.dead_letters.letters import dead_letter_headers
from shared.observability import correlation
from shared.offset_commits import OffsetCommitter
from shared.retrying import RetryBudget
from shared.settings import ConsumerSettings, KafkaSettings

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, Event], Awaitable[None]]
# What a consumer does with each event type (the first class of the event's MRO listed);
# events of other types are skipped without a transaction.
Routes = Mapping[type[Event], UseCase]


def route(routes: Routes, event: Event) -> UseCase | None:
    return route_class(routes, type(event))


def route_class(routes: Routes, event_class: type[Event]) -> UseCase | None:
    for cls in event_class.__mro__:
        use_case = routes.get(cls)
        if use_case is not None:
            return use_case
    return None


def not_for_us(routes: Routes, record: Any) -> bool:
    """A record whose ``event_type`` header names a known type this consumer does not route:
    skipped before its body is parsed (most of a batch, for a consumer of a few of a busy
    topic's types). Without the header, or for a type we do not know, the body decides."""
    value = _event_type_header(record)
    return value is not None and _not_routed(routes, value)


def _event_type_header(record: Any) -> bytes | None:
    for name, value in record.headers or ():
        if name == "event_type":
            return bytes(value)
    return None


def _not_routed(routes: Routes, event_type: bytes) -> bool:
    cls = registry.event_class(event_type.decode(errors="replace"))
    return cls is not None and route_class(routes, cls) is None


class RecordFilter:
    """``not_for_us`` for one consumer's routes, remembering the answer for each type name:
    every record of every batch asks, and a group sees a handful of types."""

    def __init__(self, routes: Routes) -> None:
        self._routes = routes
        self._skipped: dict[bytes, bool] = {}

    def for_us(self, records: Iterable[Any]) -> list[Any]:
        """The records this consumer may have a use case for, in their order."""
        kept = []
        for record in records:
            event_type = _event_type_header(record)
            if event_type is not None:
                skipped = self._skipped.get(event_type)
                if skipped is None:
                    skipped = self._skipped[event_type] = _not_routed(self._routes, event_type)
                if skipped:
                    continue
            kept.append(record)
        return kept


async def raw_records(message: KafkaMessage) -> Any:
    """The single-record subscribers' decoder: the handler gets aiokafka's record as
    fetched. FastStream's own would decode its JSON body into a dict, which nothing reads."""
    return message.raw_message


async def the_message(message: KafkaMessage) -> KafkaMessage:
    """The batch subscribers' decoder: the handler gets FastStream's message itself, for
    its records as fetched (``raw_message``, not re-parsed, no JSON body decoded into
    dicts nothing reads: ``deliver_batch`` reads only the headers of the records it skips
    and parses the others into envelopes itself) and its consumer (to note the applied
    batch with the group's ``OffsetCommitter``, or rewind a failed one)."""
    return message


_clock, _sleep = time.monotonic, asyncio.sleep  # replaced by the tests of ``fetch_batch``


async def fetch_batch(subscriber: BatchSubscriber, consumer: Any) -> tuple[Any, ...]:
    """One batch for FastStream's batch subscriber loop. FastStream's own ``get_msg`` sleeps
    ``batch_timeout_ms`` again after every empty fetch, after aiokafka already waited that
    long for records: idle, that is two wake-ups per group per timeout, and a record that
    lands during the sleep waits for it. Here an empty answer sleeps only what is left of
    the timeout (an early empty answer, e.g. while partitions are being assigned, so the
    loop never spins), and a record that arrives ends the wait at once (issue 14)."""
    started = _clock()
    messages = await consumer.getmany(
        timeout_ms=subscriber.batch_timeout_ms, max_records=subscriber.max_records
    )
    if not messages:
        rest = subscriber.batch_timeout_ms / 1000 - (_clock() - started)
        if rest > 0:
            await _sleep(rest)
        return ()
    return tuple(chain(*messages.values()))


BatchSubscriber.get_msg = fetch_batch  # type: ignore[method-assign,assignment]

# Each batch subscriber's committer (``EventSubscriber.consume``), for its stop.
_COMMITTERS: weakref.WeakKeyDictionary[BatchSubscriber, OffsetCommitter] = (
    weakref.WeakKeyDictionary()
)
_faststream_stop = BatchSubscriber.stop


async def stop_batch_subscriber(subscriber: BatchSubscriber) -> None:
    """FastStream's stop (the consume loop ends after the batch in hand), then the group's
    applied offsets committed, then its consumer stopped: FastStream would stop the
    consumer at once, and aiokafka calls no rebalance listener on stop."""
    committer, consumer = _COMMITTERS.get(subscriber), subscriber.consumer
    if committer is None or consumer is None:
        await _faststream_stop(subscriber)
        return
    subscriber.consumer = None  # FastStream's stop leaves it running, for the commit
    try:
        await _faststream_stop(subscriber)
        await committer.close()
    finally:
        await consumer.stop()


BatchSubscriber.stop = stop_batch_subscriber  # type: ignore[method-assign,assignment]


async def rewind(message: KafkaMessage) -> None:
    """Seek each partition of a failed batch back to its first record (what
    ``AckPolicy.NACK_ON_ERROR`` did), so the batch is fetched and handled again."""
    try:
        await message.nack()
    except KafkaError as error:  # e.g. revoked meanwhile: its new owner starts from the commit
        log.warning("could not rewind a failed batch: %r", error)


def kafka_broker(kafka: KafkaSettings, *, client_id: str) -> KafkaBroker:
    """A broker whose producer is durable: idempotent, acks=all (not aiokafka's default).

    FastStream's own service messages (a "Received" and a "Processed" line for every
    fetched batch, without the correlation id; "waiting for messages" at start) are at
    DEBUG: below full load a batch is one event, so they were two more log lines per
    consumed event beside ``deliver_batch``'s own (issue 14). Its errors stay at ERROR.
    Without FastDepends (``apply_types=False``) a subscriber's handler is called with its
    decoded body alone: ``EventSubscriber`` decodes to the raw records (``raw_records``)."""
    return KafkaBroker(
        kafka.servers(),
        # Handlers take the raw records (``raw_records``): nothing to inject, so no
        # FastDepends model is solved for every fetched batch.
        apply_types=False,
        acks="all",
        enable_idempotence=True,
        client_id=client_id,
        linger_ms=2,
        graceful_timeout=10.0,
        logger=logging.getLogger("faststream.lotline"),  # JSON lines, like every other logger
        log_level=logging.DEBUG,
    )


RETENTION_MS = "retention.ms"


async def ensure_topics(kafka: KafkaSettings, names: Iterable[str]) -> None:
    """Create each logical topic and its dead-letter topic with the configured partitions
    and their retention (``topics.retention_ms``); a topic that exists with another
    retention gets it set, so changing the policy needs no manual step."""
    wanted: dict[str, int] = {}
    for name in names:
        for logical in (name, contracts.topics.dead_letter(name)):
            wanted[kafka.topic(logical)] = contracts.topics.retention_ms(logical)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                topic,
                kafka.partitions,
                kafka.replication_factor,
                topic_configs={RETENTION_MS: str(ms)},
            )
            for topic, ms in wanted.items()
            if topic not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        present = {topic: ms for topic, ms in wanted.items() if topic in existing}
        current = await topic_retention(admin, present)
        stale = [
            ConfigResource(ConfigResourceType.TOPIC, topic, {RETENTION_MS: str(ms)})
            for topic, ms in present.items()
            if current.get(topic) != ms
        ]
        if stale:
            # AlterConfigs (not incremental) replaces a topic's overrides: retention.ms is
            # the only one Lotline sets, so nothing else is lost.
            for response in await admin.alter_configs(stale):
                for error_code, message, _type, topic in response.resources:
                    if error_code:
                        raise KafkaError(f"cannot set retention.ms of {topic}: {message}")
            log.info("set retention.ms on %s", ", ".join(r.name for r in stale))
    finally:
        await admin.close()


async def topic_retention(admin: AIOKafkaAdminClient, names: Iterable[str]) -> dict[str, int]:
    """``retention.ms`` of each existing topic of ``names`` as the broker reports it."""
    resources = [ConfigResource(ConfigResourceType.TOPIC, n, {RETENTION_MS: None}) for n in names]
    if not resources:
        return {}
    found: dict[str, int] = {}
    for response in await admin.describe_configs(resources):
        for error_code, _message, _type, topic, entries in response.resources:
            for entry in entries if not error_code else ():
                if entry[0] == RETENTION_MS and entry[1] is not None:
                    found[topic] = int(entry[1])
    return found


def is_transient(error: BaseException) -> bool:
    """Faults a retry can cure: the database or the broker briefly unreachable, or a
    serialisation failure / deadlock between concurrent transactions."""
    if isinstance(error, OperationalError | ConnectionError | TimeoutError | KafkaError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        original = getattr(error.orig, "__cause__", None) or error.orig
        return isinstance(
            original,
            asyncpg.SerializationError
            | asyncpg.DeadlockDetectedError
            | asyncpg.PostgresConnectionError
            | asyncpg.CannotConnectNowError
            | asyncpg.TooManyConnectionsError,
        )
    return isinstance(error, asyncpg.PostgresConnectionError | OSError)


# A transient database or broker fault inside a handler: retried with jittered backoff
# (50 ms doubling to 2 s) until ``max_seconds`` have passed, then re-raised for Kafka to
# redeliver. Attempts are bounded by time alone.
TRANSIENT_BUDGET = RetryBudget(
    attempts=sys.maxsize, initial_seconds=0.05, max_seconds=2.0, jitter_seconds=0.05
)


async def with_retries(call: Callable[[], Awaitable[Any]], *, max_seconds: float = 30.0) -> Any:
    """Run ``call``, retrying transient faults (``is_transient``) through the one retry
    wrapper (``shared.retrying``)."""
    budget = dataclasses.replace(TRANSIENT_BUDGET, deadline_seconds=max_seconds)
    return await retrying.with_retries(call, budget, retryable=is_transient)


class EventSubscriber:
    """Wires one handler to one topic with the project's delivery guarantees."""

    def __init__(
        self,
        broker: KafkaBroker,
        kafka: KafkaSettings,
        *,
        service: str,
        consumer: ConsumerSettings | None = None,
    ) -> None:
        self._broker = broker
        self._kafka = kafka
        self._service = service
        self._consumer = consumer or ConsumerSettings()
        self.groups: dict[str, str] = {}  # consumer group → full topic (for lag metrics)
        self.dead_lettered: Counter[str] = Counter()  # full topic → messages sent to its DLQ
        self.committers: dict[str, OffsetCommitter] = {}  # consumer group → its commits

    def subscribe(self, router: KafkaRouter | KafkaBroker, topic: str, handler: Handler) -> None:
        """Consume ``topic`` in a consumer group named after the service and handler."""
        full_topic = self._kafka.topic(topic)
        group_id = f"{self._kafka.topic_prefix}{self._service}.{handler.__name__}"

        async def consume(record: Any) -> None:
            await self.deliver(full_topic, record, handler, group=group_id)

        consume.__name__ = f"{self._service}_{handler.__name__}"
        self.groups[group_id] = full_topic
        router.subscriber(
            full_topic,
            group_id=group_id,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            isolation_level="read_committed",  # never an aborted transaction's records
            max_poll_interval_ms=300_000,
            fetch_max_wait_ms=self._consumer.fetch_max_wait_ms,
            consumer_timeout_ms=self._consumer.consumer_timeout_ms,
            decoder=raw_records,
        )(consume)

    def consume(
        self,
        router: KafkaRouter | KafkaBroker,
        topic: str,
        engine: AsyncEngine,
        routes: Routes,
        *,
        name: str,
        inbox: str | None = None,
        wanted: Callable[[], Awaitable[bool]] | None = None,
        lock_first: LockFirst | None = None,
    ) -> None:
        """Consume ``topic`` a batch at a time in group ``<service>.<name>``: each routed
        event is applied by its use case in one transaction per batch (``shared.consuming``);
        the offsets are committed after it. ``inbox`` is the consumer its inbox records
        name (default: the service); a second group of one service on a topic another of
        its groups consumes needs its own, or each would take the other's events as seen.
        ``wanted``, asked before each batch that has an event of a routed type, lets a group
        whose use cases would do nothing right now (no one subscribed) pass the batch by
        without a transaction. A batch of only other types (by their ``event_type`` header)
        is passed by before any of that: no parsing, no question, no transaction; its
        offsets are committed like any other's.

        Offsets are committed by the group's ``OffsetCommitter`` (``shared.offset_commits``)
        within ``commit_interval_ms`` of the batch, not one round trip per batch; a batch
        that fails rewinds its partitions to its first records, to be fetched again.
        Redelivered after a crash, a batch changes nothing: every event a group applies
        goes through the inbox of ``inbox`` (``apply_batch``/``apply_once``), and one it
        skipped (not routed, or not ``wanted`` then) applies nothing or goes through it.
        ``lock_first``: see ``apply_batch``."""
        full_topic = self._kafka.topic(topic)
        group_id = f"{self._kafka.topic_prefix}{self._service}.{name}"
        consumer = inbox or self._service
        committer = OffsetCommitter(
            group_id, interval_seconds=self._consumer.commit_interval_ms / 1000
        )

        async def one(envelope: Envelope, event: Event) -> None:
            use_case = route(routes, event)
            if use_case is not None:
                await apply_once(engine, use_case, envelope, event, consumer=consumer)

        one.__name__ = name

        records_for_us = RecordFilter(routes).for_us

        async def consume(message: KafkaMessage) -> None:
            raw = message.raw_message
            fetched = raw if isinstance(raw, tuple) else (raw,)
            dead_before = self.dead_lettered.total()
            try:
                records = records_for_us(fetched)
                if records and (wanted is None or await wanted()):
                    await self.deliver_batch(
                        full_topic, records, engine, routes, one,
                        group=group_id, inbox=consumer, lock_first=lock_first,
                    )  # fmt: skip
            except Exception:
                await rewind(message)
                raise
            # A dead letter is not in the inbox: its batch is committed at once, so a crash
            # does not park it twice (as before, only between the publish and the commit).
            await committer.processed(
                message.consumer, fetched, at_once=self.dead_lettered.total() > dead_before
            )

        consume.__name__ = f"{self._service}_{name}"
        self.groups[group_id] = full_topic
        subscriber = router.subscriber(
            full_topic,
            group_id=group_id,
            batch=True,
            max_records=self._consumer.max_batch,
            batch_timeout_ms=self._consumer.batch_timeout_ms,
            # committed by ``committer`` (after the transaction, coalesced); rewound here
            ack_policy=AckPolicy.MANUAL,
            listener=committer,  # commits what was applied before a partition is revoked
            auto_offset_reset="earliest",
            isolation_level="read_committed",  # never an aborted transaction's records
            max_poll_interval_ms=300_000,
            fetch_max_wait_ms=self._consumer.fetch_max_wait_ms,
            consumer_timeout_ms=self._consumer.consumer_timeout_ms,
            decoder=the_message,
        )
        subscriber(consume)
        _COMMITTERS[subscriber] = committer
        self.committers[group_id] = committer

    async def deliver_batch(
        self,
        topic: str,
        records: Sequence[Any],
        engine: AsyncEngine,
        routes: Routes,
        one: Handler,
        *,
        group: str = "",
        inbox: str | None = None,
        lock_first: LockFirst | None = None,
    ) -> None:
        """Apply the routed events of ``records`` in one transaction; if anything in it
        fails (or a record is unreadable), apply each record alone instead (``deliver``):
        the bad one is retried or dead-lettered by itself, the others commit."""
        started = time.perf_counter()
        batch = []
        try:
            for record in records:
                if not_for_us(routes, record):
                    continue
                envelope = Envelope.from_bytes(record.value or b"")
                event = contracts.parse(envelope)
                use_case = route(routes, event) if event is not None else None
                if event is not None and use_case is not None:
                    batch.append((envelope, event, use_case))
            applied = await apply_batch(
                engine, inbox or self._service, batch, lock_first=lock_first
            )
        except Exception as error:
            log.warning(
                "batch of %d on %s failed (%r); applying each alone", len(records), topic, error
            )
            for record in records:
                await self.deliver(topic, record, one, group=group)
            return
        if not batch:
            return
        extra: dict[str, Any] = {
            "topic": topic,
            "batch": len(records),
            "duration_ms": round((time.perf_counter() - started) * 1e3, 1),
        }
        if len(batch) == 1:  # the usual batch below full load: one line, as for an event alone
            envelope, event, _ = batch[0]
            with correlation.bound(**correlation.event_fields(envelope, event)):
                log.info(
                    "%s handled %s%s",
                    one.__name__,
                    envelope.event_type,
                    "" if applied else " (seen before)",
                    extra=extra,
                )
            return
        # One line for the batch, naming its flows: a flow's correlation id finds it.
        extra["correlation_ids"] = sorted(
            {str(correlation.correlation_of(envelope)) for envelope, _, _ in batch}
        )
        extra["event_types"] = dict(Counter(envelope.event_type for envelope, _, _ in batch))
        log.info("%s handled %d events (%d new)", one.__name__, len(batch), applied, extra=extra)

    async def deliver(self, topic: str, record: Any, handler: Handler, *, group: str = "") -> None:
        """Parse and handle one record; poison → DLQ; transient → raise for redelivery.

        While it is handled, its correlation id (and order id) is on every log line."""
        envelope: Envelope | None = None
        try:
            envelope = Envelope.from_bytes(record.value or b"")
            event = contracts.parse(envelope)
        except Exception as error:
            with correlation.bound(**correlation.event_fields(envelope)):
                await self._failed(topic, record, error, group=group)
            return
        if event is None:
            return
        with correlation.bound(**correlation.event_fields(envelope, event)):
            try:
                await self._handle(topic, envelope, event, handler)
            except Exception as error:
                await self._failed(topic, record, error, group=group)

    async def _failed(self, topic: str, record: Any, error: Exception, *, group: str) -> None:
        if isinstance(error, PoisonMessage):
            await self.dead_letter(topic, record, reason=f"poison: {error}", group=group)
            return
        if is_transient(error):
            log.warning("transient failure on %s, redelivering: %r", topic, error)
            raise error
        log.exception("handler failed on %s; dead-lettering", topic, exc_info=error)
        await self.dead_letter(topic, record, reason=f"handler failed: {error!r}", group=group)

    async def _handle(self, topic: str, envelope: Envelope, event: Event, handler: Handler) -> None:
        started = time.perf_counter()
        await with_retries(lambda: handler(envelope, event))
        log.info(
            "%s handled %s",
            handler.__name__,
            envelope.event_type,
            extra={"topic": topic, "duration_ms": round((time.perf_counter() - started) * 1e3, 1)},
        )

    async def dead_letter(self, topic: str, record: Any, *, reason: str, group: str = "") -> None:
        """Park ``record`` on ``<topic>.dlq``, saying why and which service and group failed."""
        headers = dead_letter_headers(
            record.headers or [],
            reason=reason,
            topic=topic,
            partition=record.partition,
            offset=record.offset,
            group=group,
            service=self._service,
        )
        await self._broker.publish(
            record.value or b"",
            contracts.topics.dead_letter(topic),
            key=record.key,
            headers=headers,
        )
        self.dead_lettered[topic] += 1
        log.error("dead-lettered a message of %s: %s", topic, reason[:300])
