"""Logical topic names and how long Kafka keeps each. The deployment prefixes the names
(``Settings.kafka.topic``)."""

from typing import Final

INBOUND_ORDERS: Final = "connectors.inbound-orders"
ORDERS: Final = "orders.events"
INVENTORY: Final = "inventory.events"
PRODUCTION: Final = "production.events"
TRACE: Final = "trace.events"

ALL: Final = (INBOUND_ORDERS, ORDERS, INVENTORY, PRODUCTION, TRACE)

DLQ_SUFFIX: Final = ".dlq"

# Retention (``retention.ms``) set on every topic when it is created and re-applied at start.
# The event topics are the system's history: trace's rebuild and every new consumer group
# (``auto_offset_reset=earliest``) replay them from the first offset, so Kafka keeps them
# forever (-1). A dead-letter topic only waits for an operator to replay or drop a message
# (``shared.dead_letters``): 90 days, well past any holiday, then it goes.
KEEP_FOREVER_MS: Final = -1
DEAD_LETTER_RETENTION_MS: Final = 90 * 24 * 3600 * 1000


def dead_letter(topic: str) -> str:
    """Where poison messages of ``topic`` go, with the reason in a header."""
    return f"{topic}{DLQ_SUFFIX}"


def retention_ms(topic: str) -> int:
    """How long Kafka keeps ``topic`` (logical or prefixed name): -1 is forever."""
    if topic.endswith(DLQ_SUFFIX):
        return DEAD_LETTER_RETENTION_MS
    return KEEP_FOREVER_MS


def describe_retention(ms: int) -> str:
    """``retention.ms`` in words, for the documents."""
    if ms < 0:
        return "forever (retention.ms=-1)"
    days, rest = divmod(ms, 24 * 3600 * 1000)
    return f"{days} days (retention.ms={ms})" if not rest else f"retention.ms={ms}"
