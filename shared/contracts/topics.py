"""Logical topic names. The deployment prefixes them (``Settings.kafka.topic``)."""

from typing import Final

INBOUND_ORDERS: Final = "connectors.inbound-orders"
ORDERS: Final = "orders.events"
INVENTORY: Final = "inventory.events"
PRODUCTION: Final = "production.events"
TRACE: Final = "trace.events"

ALL: Final = (INBOUND_ORDERS, ORDERS, INVENTORY, PRODUCTION, TRACE)


def dead_letter(topic: str) -> str:
    """Where poison messages of ``topic`` go, with the reason in a header."""
    return f"{topic}.dlq"
