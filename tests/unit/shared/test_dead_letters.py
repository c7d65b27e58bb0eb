"""The pure parts of dead letters: the headers a dead letter gets, what its replay sends,
whose it is, and the order a listing shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.dead_letters.letters import (
    Coordinates,
    DeadLetter,
    NotReplayable,
    dead_letter_headers,
    newest_first,
    owned_by,
    replay_headers,
    replay_target,
)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def letter(
    offset: int = 7,
    *,
    service: str = "inventory",
    minutes: int = 0,
    extra: dict[str, str] | None = None,
) -> DeadLetter:
    headers = dead_letter_headers(
        [("event_type", b"orders.order_received"), ("event_id", b"e-1")],
        reason="handler failed: RuntimeError('bug')",
        topic="lotline.orders.events",
        partition=2,
        offset=41,
        group="lotline.inventory.on_order_event",
        service=service,
    )
    headers.update(extra or {})
    return DeadLetter(
        at=Coordinates("lotline.orders.events.dlq", 0, offset),
        dead_at=T0 + timedelta(minutes=minutes),
        key=b"order-1",
        value=b'{"event_id": "e-1"}',
        headers=tuple((k, v.encode()) for k, v in headers.items()),
    )


def test_a_dead_letter_names_why_where_and_which_service_and_group_failed_it():
    headers = dead_letter_headers(
        [("event_id", b"e-1")],
        reason="poison: " + "x" * 5000,
        topic="t.orders.events",
        partition=1,
        offset=9,
        group="t.trace.on_order_event",
        service="trace",
    )

    assert headers["event_id"] == "e-1"
    assert headers["x-dlq-service"] == "trace"
    assert headers["x-dlq-group"] == "t.trace.on_order_event"
    assert headers["x-original-topic"] == "t.orders.events"
    assert (headers["x-original-partition"], headers["x-original-offset"]) == ("1", "9")
    assert len(headers["x-dlq-reason"]) == 2000


def test_a_replay_sends_the_original_headers_without_the_bookkeeping_and_names_its_source():
    sent = replay_headers(letter())

    assert sent == {
        "event_type": "orders.order_received",
        "event_id": "e-1",
        "x-replayed-from": "lotline.orders.events.dlq/0/7",
    }


def test_a_letter_reads_its_headers_the_last_value_winning():
    dead = letter(extra={"x-dlq-reason": "poison: newer"})

    assert dead.reason == "poison: newer"
    assert (dead.service, dead.group) == ("inventory", "lotline.inventory.on_order_event")
    assert (dead.event_type, dead.event_id) == ("orders.order_received", "e-1")


def test_it_goes_back_only_to_its_own_topic_and_only_one_the_service_reads():
    assert replay_target(letter(), allowed={"lotline.orders.events"}) == "lotline.orders.events"
    with pytest.raises(NotReplayable, match="does not read"):
        replay_target(letter(), allowed={"lotline.inventory.events"})
    with pytest.raises(NotReplayable, match="names no original topic"):
        replay_target(letter(extra={"x-original-topic": ""}), allowed={"lotline.orders.events"})


def test_each_service_sees_only_what_its_own_consumers_dead_lettered():
    mine, theirs = letter(1, service="inventory"), letter(2, service="trace")
    legacy = DeadLetter(at=Coordinates("x.dlq", 0, 3), dead_at=T0, key=None, value=b"", headers=())

    assert owned_by([mine, theirs, legacy], "inventory") == [mine]


def test_a_listing_is_newest_first_and_capped():
    letters = [
        letter(1, minutes=0),
        letter(2, minutes=5),
        letter(3, minutes=5),
        letter(4, minutes=1),
    ]

    assert [x.at.offset for x in newest_first(letters, limit=3)] == [3, 2, 4]


def test_without_headers_the_event_is_named_from_its_envelope_and_unreadable_bytes_name_none():
    bare = DeadLetter(
        at=Coordinates("x.dlq", 0, 1),
        dead_at=T0,
        key=None,
        value=b'{"event_id": "e-9", "event_type": "inventory.lot_received"}',
        headers=(),
    )
    poison = DeadLetter(
        at=Coordinates("x.dlq", 0, 2), dead_at=T0, key=None, value=b"{not", headers=()
    )

    assert (bare.event_type, bare.event_id) == ("inventory.lot_received", "e-9")
    assert (poison.event_type, poison.event_id) == (None, None)
