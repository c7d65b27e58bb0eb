"""Partition keys: the one place saying what each topic is keyed by.

Kafka keeps order only within a partition, and a record's partition is its key's hash. So
every event about one aggregate — one order, one lot, one production order — must carry
the same key on its topic, or two of its events can overtake each other once the topic has
several partitions (``KafkaSettings.partitions``). Each topic names the aggregates its events
are about (``RULES``); each event class names its aggregate (``Event.AGGREGATE``) and its
``aggregate_key()`` must equal that aggregate's key here: ``tests/contracts/test_keys.py``
builds every event from its golden sample and checks it, and ``deploy/asyncapi.py`` writes
these rules into the AsyncAPI documents.

An order is keyed by its Lotline id on every topic, including the connectors' topic, where
an event may name it by the channel's id only: ``order_id_for(channel, external_id)`` is
that id, so a channel's order, its cancellation, edits, refunds and fulfilment share one
partition, and the orders service's events about it share the same key on its own topic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

from shared.contracts import topics


def order_id_for(channel: str, external_id: str) -> UUID:
    """The Lotline order id of a channel order: the same (channel, external id) always gets
    the same id, so a connector can answer it before the orders service has stored it."""
    return uuid5(NAMESPACE_URL, f"lotline:order:{channel}:{external_id}")


@dataclass(frozen=True)
class Aggregate:
    """What a set of events is about, and the partition key they share."""

    name: str
    rule: str  # the key in words, for the documents
    key_of: Callable[[Mapping[str, Any]], str]  # the key from an event's JSON payload

    def key(self, payload: Mapping[str, Any]) -> str:
        return self.key_of(payload)


def _order_key(payload: Mapping[str, Any]) -> str:
    if payload.get("order_id") is not None:
        return str(payload["order_id"])
    return str(order_id_for(str(payload["channel"]), str(payload["external_id"])))


def _field(name: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda payload: str(payload[name])


ORDER: Final = Aggregate(
    "order",
    "the Lotline order id: `order_id`, or `order_id_for(channel, external_id)` when the "
    "event names the order by its channel's id",
    _order_key,
)
SHOP_SKU: Final = Aggregate(
    "shop SKU mapping", "`<shop>:<sku>`", lambda p: f"{p['shop']}:{p['sku']}"
)
PRODUCTION_ORDER: Final = Aggregate(
    "production order", "`production_order_id`", _field("production_order_id")
)
LOT: Final = Aggregate("lot", "`lot_code`", _field("lot_code"))
ITEM: Final = Aggregate(
    "item",
    "the item code (`item_code`; `code` on `inventory.item_defined`)",
    lambda p: str(p["item_code"] if "item_code" in p else p["code"]),
)
RECALL: Final = Aggregate("recall", "`recall_id`", _field("recall_id"))
PURCHASE_ORDER: Final = Aggregate(
    "purchase order", "`purchase_order_id`", _field("purchase_order_id")
)

# Each topic's aggregates: an event on the topic is about one of them and carries its key.
RULES: Final[dict[str, tuple[Aggregate, ...]]] = {
    topics.INBOUND_ORDERS: (ORDER, SHOP_SKU),
    topics.ORDERS: (ORDER,),
    topics.INVENTORY: (ORDER, PRODUCTION_ORDER, LOT, ITEM, RECALL, PURCHASE_ORDER),
    topics.PRODUCTION: (PRODUCTION_ORDER, ORDER),
    topics.TRACE: (RECALL,),
}


def describe(topic: str) -> str:
    """A topic's key rule in words: ``order → …; lot → …``."""
    return "; ".join(f"{a.name} → {a.rule}" for a in RULES[topic])
