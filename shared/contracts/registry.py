"""From an envelope to the current event class, upgrading old versions on the way."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from shared.contracts.base import Event, PoisonMessage
from shared.contracts.envelope import Envelope

log = logging.getLogger(__name__)

_EVENTS: dict[str, type[Event]] = {}


def register(cls: type[Event]) -> type[Event]:
    """Class decorator: make an event type parseable. One class per type name."""
    existing = _EVENTS.get(cls.TYPE)
    if existing is not None and existing is not cls:
        raise ValueError(f"event type {cls.TYPE} registered twice")
    _EVENTS[cls.TYPE] = cls
    return cls


def event_classes() -> dict[str, type[Event]]:
    return dict(_EVENTS)


def event_class(event_type: str) -> type[Event] | None:
    """The class registered for ``event_type``, if any."""
    return _EVENTS.get(event_type)


def parse(envelope: Envelope) -> Event | None:
    """The event inside ``envelope``; None for a type this code does not know (ignored).

    A version newer than ours, or a payload that does not validate, is poison.
    """
    cls = _EVENTS.get(envelope.event_type)
    if cls is None:
        log.info("ignoring unknown event type %s", envelope.event_type)
        return None
    if envelope.event_version > cls.VERSION:
        raise PoisonMessage(
            f"{envelope.event_type} v{envelope.event_version} is newer than v{cls.VERSION}"
        )
    data = cls.upcast(dict(envelope.payload), envelope.event_version)
    try:
        return cls.model_validate(data)
    except ValidationError as error:
        raise PoisonMessage(f"invalid {envelope.event_type} payload: {error}") from error
