"""Lotline's published contracts: the envelope, versioned events, topics."""

from shared.contracts import connectors, inventory, orders, production, topics, trace
from shared.contracts.base import Event, PoisonMessage
from shared.contracts.envelope import Envelope
from shared.contracts.registry import event_classes, parse

__all__ = [
    "Envelope",
    "Event",
    "PoisonMessage",
    "connectors",
    "event_classes",
    "inventory",
    "orders",
    "parse",
    "production",
    "topics",
    "trace",
]
