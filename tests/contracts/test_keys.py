"""Every event type is keyed by its topic's rule (``shared.contracts.keys``): built from its
golden sample, its key is the key of the aggregate it names, and that aggregate is one of
its topic's. Events about one order share one key, whichever topic and producer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from shared import contracts
from shared.contracts import connectors, keys, orders, topics
from shared.contracts.envelope import Envelope

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "contracts" / "samples"
FILES = sorted(SAMPLES.glob("*.v*.json"))
EVENT_TYPES = sorted(
    (cls for cls in contracts.event_classes().values() if not cls.TYPE.startswith("tests.")),
    key=lambda cls: cls.TYPE,
)


def test_every_topic_has_a_key_rule():
    assert set(keys.RULES) == set(topics.ALL)


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda cls: cls.TYPE)
def test_an_event_type_is_about_one_of_its_topics_aggregates(cls):
    assert cls.AGGREGATE in keys.RULES[cls.TOPIC], (
        f"{cls.TYPE} is keyed by {cls.AGGREGATE.name}, which {cls.TOPIC} is not keyed by "
        f"({keys.describe(cls.TOPIC)})"
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_an_event_built_from_its_sample_carries_its_topics_key(path: Path):
    envelope = Envelope.from_bytes(path.read_bytes())
    event = contracts.parse(envelope)
    assert event is not None

    expected = event.AGGREGATE.key(event.model_dump(mode="json"))

    assert event.aggregate_key() == expected, (
        f"{event.TYPE} is keyed {event.aggregate_key()!r}; {event.TOPIC}'s rule for "
        f"{event.AGGREGATE.name} ({event.AGGREGATE.rule}) gives {expected!r}"
    )
    assert Envelope.wrap(event).key == expected
    assert envelope.key == expected, "the golden message shows the key it is sent with"


def test_every_event_about_one_channel_order_shares_the_orders_key():
    """A fulfilment, a cancellation, an edit and a refund of one order and the orders
    service's own events about it land on one partition of their topics: none overtakes."""
    channel, external_id = "shopify", "6340825180315430912"
    order_id = connectors.order_id_for(channel, external_id)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    shipment = UUID(int=7)
    about_it = [
        connectors.InboundOrderReceived(
            channel=channel, shop="s.myshopify.com", external_id=external_id, lines=()
        ),
        connectors.ChannelOrderCancelled(
            channel=channel, shop="s.myshopify.com", external_id=external_id, cancelled_at=now
        ),
        connectors.ChannelOrderEdited(
            channel=channel, shop="s", external_id=external_id, version=now, lines=()
        ),
        connectors.ChannelRefundCreated(
            channel=channel, shop="s", external_id=external_id, refund_id="r1", lines=()
        ),
        connectors.ChannelFulfilled(order_id=order_id, shipment_id=shipment, channel=channel),
        connectors.ChannelWriteBackFailed(
            order_id=order_id,
            shipment_id=shipment,
            channel=channel,
            reason="x",
            write_back_id=UUID(int=8),
        ),
        orders.OrderCancelled(order_id=order_id),
    ]

    assert {event.aggregate_key() for event in about_it} == {str(order_id)}
