"""The live feed's memory: a reconnecting page gets exactly what it missed, or is told to
resync when that is gone (evicted, another process, a gap in the feed)."""

from __future__ import annotations

from services.gateway.dashboard.notices import NoticeBuffer, order_ids_of


def buffer_with(count: int, capacity: int = 10) -> NoticeBuffer:
    buffer = NoticeBuffer(capacity)
    for n in range(count):
        buffer.add("order", "orders.order_status_changed", f"order-{n}")
    return buffer


def test_a_page_gets_every_notice_after_the_last_one_it_saw() -> None:
    buffer = buffer_with(5)
    seen = f"{buffer.run}.3"

    catchup = buffer.since(seen)

    assert not catchup.resync
    assert [n.subject for n in catchup.notices] == ["order-3", "order-4"]


def test_a_page_that_saw_everything_waits_for_nothing() -> None:
    buffer = buffer_with(5)

    assert buffer.since(buffer.last_id).notices == ()
    assert not buffer.since(buffer.last_id).resync


def test_an_id_older_than_the_buffer_asks_for_a_resync() -> None:
    buffer = buffer_with(25, capacity=10)  # keeps 16..25

    assert buffer.since(f"{buffer.run}.14").resync
    assert not buffer.since(f"{buffer.run}.15").resync
    assert len(buffer.since(f"{buffer.run}.15").notices) == 10


def test_an_id_from_another_run_or_garbage_asks_for_a_resync() -> None:
    buffer = buffer_with(3)

    assert buffer.since("cafebabe.2").resync
    assert buffer.since("nonsense").resync
    assert buffer.since(f"{buffer.run}.99").resync


def test_a_gap_in_the_feed_makes_every_earlier_id_stale() -> None:
    buffer = buffer_with(3)
    before = buffer.last_id

    buffer.restart()

    assert buffer.since(before).resync


def test_a_fresh_page_has_nothing_to_catch_up() -> None:
    catchup = buffer_with(3).since(None)

    assert not catchup.resync and catchup.notices == ()


def test_the_orders_an_event_concerns_come_from_its_id_or_its_demands() -> None:
    assert order_ids_of({"order_id": "a"}) == ("a",)
    demands = {"demands": [{"order_id": "b", "line_no": 1}, {"order_id": "b", "line_no": 2}]}
    assert order_ids_of(demands) == ("b",)
    assert order_ids_of({"item_code": "FLOUR"}) == ()
