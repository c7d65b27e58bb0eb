"""The relay sends an outbox row's envelope as stored: its bytes read back as the envelope
``outbox.add`` staged, with the same headers ``Envelope.headers`` gives."""

from __future__ import annotations

from uuid import uuid4

import orjson

from shared.contracts.envelope import Envelope
from shared.contracts.inventory import LotReceived
from shared.outbox import stored_headers
from shared.units import Quantity


def test_a_stored_envelope_is_sent_as_the_envelope_with_its_headers() -> None:
    event = LotReceived(lot_code="L-1", item_code="FLOUR", quantity=Quantity.of(3, "kg"))
    envelope = Envelope.wrap(event, correlation_id=uuid4(), causation_id=uuid4())
    stored = orjson.loads(orjson.dumps(envelope.model_dump(mode="json")))  # as JSONB gives it

    assert Envelope.from_bytes(orjson.dumps(stored)) == envelope
    assert stored_headers(stored) == envelope.headers()
