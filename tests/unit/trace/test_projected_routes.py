"""Trace subscribes to exactly the events that add to the graph: one it skips unparsed must
add nothing, and one that adds something must be routed."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from services.trace.handlers import PROJECTED
from services.trace.projection import facts_of
from shared import contracts
from shared.contracts.envelope import Envelope
from shared.messaging import RecordFilter, not_for_us, route

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contracts" / "samples"
CURRENT = [
    path
    for path in sorted(SAMPLES.glob("*.v*.json"))
    if (cls := contracts.event_classes().get(path.name.rsplit(".v", 1)[0])) is not None
    and path.name.endswith(f".v{cls.VERSION}.json")
]


@pytest.mark.parametrize("path", CURRENT, ids=lambda p: p.name)
def test_an_event_is_routed_to_trace_exactly_when_it_adds_to_the_graph(path: Path) -> None:
    envelope = Envelope.from_bytes(path.read_bytes())
    event = contracts.parse(envelope)
    assert event is not None

    adds = facts_of(envelope, event) is not None
    routed = route(PROJECTED, event) is not None

    assert adds == routed


def record(event_type: str | None, body: bytes = b"not even JSON") -> SimpleNamespace:
    headers = [("event_type", event_type.encode())] if event_type else []
    return SimpleNamespace(headers=headers, value=body)


def test_a_record_of_a_known_type_nobody_here_routes_is_skipped_before_its_body() -> None:
    assert not_for_us(PROJECTED, record("orders.order_status_changed"))
    assert not not_for_us(PROJECTED, record("inventory.lot_changed"))


def test_without_the_header_or_for_an_unknown_type_the_body_decides() -> None:
    assert not not_for_us(PROJECTED, record(None))
    assert not not_for_us(PROJECTED, record("somebody.elses_event"))


def test_a_batch_keeps_in_order_the_records_trace_may_project_and_drops_the_others() -> None:
    records = [
        record("orders.order_status_changed"),
        first := record("inventory.lot_changed"),
        unknown := record("somebody.elses_event"),
        record("orders.order_status_changed"),
        bare := record(None),
    ]
    filtered = RecordFilter(PROJECTED)

    assert filtered.for_us(records) == [first, unknown, bare]
    assert filtered.for_us(records) == [first, unknown, bare]  # the same answer remembered
