"""Events published by the trace service."""

from __future__ import annotations

from uuid import UUID

from shared.contracts import keys, topics
from shared.contracts.base import Event
from shared.contracts.registry import register


@register
class RecallIssued(Event):
    """A lot (or a supplier's lot) was recalled: ``lot_codes`` is its forward closure,
    every lot of ours made from it at any depth, which must no longer leave or be used."""

    TYPE = "trace.recall_issued"
    VERSION = 1
    TOPIC = topics.TRACE
    AGGREGATE = keys.RECALL

    recall_id: UUID
    reason: str
    origin: str
    lot_codes: tuple[str, ...]

    def aggregate_key(self) -> str:
        return str(self.recall_id)


@register
class RecallWithdrawn(Event):
    """A recall issued in error was withdrawn by an authorised person, with the reason:
    what it blocked is to be unblocked, and the orders it held released."""

    TYPE = "trace.recall_withdrawn"
    VERSION = 1
    TOPIC = topics.TRACE
    AGGREGATE = keys.RECALL

    recall_id: UUID
    reason: str
    withdrawn_by: str

    def aggregate_key(self) -> str:
        return str(self.recall_id)
