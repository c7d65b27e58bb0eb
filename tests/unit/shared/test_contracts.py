"""Envelopes, versions and poison: what every consumer relies on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from pydantic import ValidationError

from shared import contracts
from shared.contracts.base import Event, PoisonMessage
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotChanged, LotReceived, LotStatus
from shared.contracts.registry import register
from shared.units import Money, Quantity


def test_an_event_round_trips_through_its_envelope_with_exact_decimals():
    event = LotReceived(lot_code="L-1", item_code="FLOUR", quantity=Quantity.of("12.345", "kg"))

    envelope = Envelope.from_bytes(Envelope.wrap(event, correlation_id=uuid4()).to_bytes())

    assert contracts.parse(envelope) == event
    assert envelope.key == "L-1"
    assert envelope.headers()["event_type"] == "inventory.lot_received"
    assert json.loads(envelope.to_bytes())["payload"]["quantity"]["value"] == "12.345"


def test_floats_are_refused_for_quantities_and_money():
    with pytest.raises(ValidationError):
        Quantity.model_validate({"value": 1.1, "unit": "kg"})
    with pytest.raises(ValidationError):
        Money.model_validate({"amount": 0.1, "currency": "EUR"})


@pytest.mark.parametrize("raw", [b"not json", b"{}", b'{"event_id": "x"}', b"\xff\xfe"])
def test_unreadable_messages_are_poison(raw):
    with pytest.raises(PoisonMessage):
        Envelope.from_bytes(raw)


def test_a_newer_version_than_ours_is_poison_and_an_unknown_type_is_ignored():
    envelope = Envelope.wrap(
        LotReceived(lot_code="L", item_code="I", quantity=Quantity.of(1, "pc"))
    )

    newer = envelope.model_copy(update={"event_version": 99})
    unknown = envelope.model_copy(update={"event_type": "someone.elses_event"})

    with pytest.raises(PoisonMessage, match="newer"):
        contracts.parse(newer)
    assert contracts.parse(unknown) is None


def test_an_invalid_payload_is_poison():
    envelope = Envelope.wrap(
        LotReceived(lot_code="L", item_code="I", quantity=Quantity.of(1, "pc"))
    )

    broken = envelope.model_copy(update={"payload": {"lot_code": "L"}})

    with pytest.raises(PoisonMessage, match="invalid"):
        contracts.parse(broken)


@register
class _Renamed(Event):
    """A test event at v2 whose v1 called the field ``qty``."""

    TYPE: ClassVar[str] = "tests.renamed"
    VERSION: ClassVar[int] = 2
    TOPIC: ClassVar[str] = "tests"
    amount: int

    def aggregate_key(self) -> str:
        return "k"

    @staticmethod
    def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
        return {"amount": data["qty"]}


def test_old_versions_are_upcast_to_the_current_class():
    envelope = Envelope.wrap(_Renamed(amount=3)).model_copy(
        update={"event_version": 1, "payload": {"qty": 3}}
    )

    assert contracts.parse(envelope) == _Renamed(amount=3)


def test_every_event_type_is_registered_once_with_a_topic():
    classes = contracts.event_classes()

    assert "orders.order_received" in classes
    assert all(cls.TOPIC for cls in classes.values())


def test_money_keeps_cents_and_quantities_drop_trailing_zeros():
    price = Money.of("12.5000", "EUR").model_dump(mode="json")
    precise = Money.of("0.125", "EUR").model_dump(mode="json")
    quantity = Quantity.of("3.000000", "pc").model_dump(mode="json")

    assert (price["amount"], precise["amount"], quantity["value"]) == ("12.50", "0.125", "3")


def test_a_v1_lot_snapshot_reads_as_an_available_lot_and_v2_carries_the_block():
    sample = Path(__file__).resolve().parents[3] / "shared/contracts/samples"
    v1 = Envelope.from_bytes((sample / "inventory.lot_changed.v1.json").read_bytes())
    v2 = Envelope.from_bytes((sample / "inventory.lot_changed.v2.json").read_bytes())

    old, new = contracts.parse(v1), contracts.parse(v2)

    assert isinstance(old, LotChanged) and old.status is LotStatus.AVAILABLE
    assert isinstance(new, LotChanged) and new.status is LotStatus.BLOCKED
    assert not new.status.counts
