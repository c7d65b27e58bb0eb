"""Pinning the version an event is written at, for readers still on an older one; refused
at start when it could not be honoured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared import contracts
from shared.contracts.base import pin_publish_versions
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotChanged, LotReceived, LotStatus
from shared.units import Quantity


@pytest.fixture(autouse=True)
def unpinned_afterwards() -> Iterator[None]:
    yield
    pin_publish_versions(contracts.event_classes(), {})


def recalled_lot() -> LotChanged:
    return LotChanged(
        lot_code="L-1",
        item_code="HONEY",
        on_hand=Quantity.of(3, "kg"),
        reserved=Quantity.of(0, "kg"),
        revision=7,
        status=LotStatus.BLOCKED,
    )


def test_unpinned_events_are_written_at_their_newest_version() -> None:
    envelope = Envelope.wrap(recalled_lot())
    assert envelope.event_version == 2 and envelope.payload["status"] == "blocked"


def test_a_pinned_event_is_written_at_the_old_version_and_others_are_not() -> None:
    pin_publish_versions(contracts.event_classes(), {"inventory.lot_changed": 1})

    lot = Envelope.wrap(recalled_lot())
    other = Envelope.wrap(
        LotReceived(lot_code="L-2", item_code="HONEY", quantity=Quantity.of(1, "kg"))
    )

    assert lot.event_version == 1 and "status" not in lot.payload
    assert lot.payload["revision"] == 7 and lot.key == "L-1"
    assert other.event_version == LotReceived.VERSION


@pytest.mark.parametrize(
    ("pins", "reason"),
    [
        ({"inventory.no_such_event": 1}, "no such event type"),
        ({"inventory.lot_changed": 3}, "it is v1–v2"),
        ({"inventory.lot_changed": 0}, "it is v1–v2"),
    ],
)
def test_a_pin_that_cannot_be_honoured_is_refused(pins: dict[str, int], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        pin_publish_versions(contracts.event_classes(), pins)


def test_a_pin_without_its_downcast_step_is_refused() -> None:
    class NoWayDown(LotChanged):
        TYPE = "test.no_way_down"
        VERSION = 3

    with pytest.raises(ValueError, match="no downcast_v3_v2"):
        pin_publish_versions({NoWayDown.TYPE: NoWayDown}, {NoWayDown.TYPE: 1})
