"""The base of every published event: frozen, versioned, tolerant of unknown fields.

How events may change while instances of old and new code run side by side (a rolling
deploy) is written in docs/architecture/contract-evolution.md: a reader upcasts every older
version it meets; a writer publishes its newest version unless the deployment pins an older
one (``pin_publish_versions``) until every reader understands the new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from shared.contracts.keys import Aggregate


class Event(BaseModel):
    """A published fact. ``TYPE`` names it, ``VERSION`` counts breaking changes, ``TOPIC``
    is the logical topic it travels on (without the deployment's prefix), ``AGGREGATE`` what
    it is about: one of its topic's aggregates (``shared.contracts.keys.RULES``), whose key
    ``aggregate_key()`` returns."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str]
    AGGREGATE: ClassVar[Aggregate]

    def aggregate_key(self) -> str:
        """The partition key: one aggregate's events stay in order on one partition. It is
        ``AGGREGATE``'s key (``tests/contracts/test_keys.py`` checks every event type)."""
        raise NotImplementedError

    @classmethod
    def upcast(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Bring a payload written at ``version`` up to ``VERSION`` with ``upcast_vN_vM``."""
        while version < cls.VERSION:
            step = getattr(cls, f"upcast_v{version}_v{version + 1}")
            data = step(data)
            version += 1
        return data

    @classmethod
    def downcast(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Bring a ``VERSION`` payload down to ``version`` with ``downcast_vN_vM``, for
        readers that know only that one (a pinned publish version)."""
        current = cls.VERSION
        while current > version:
            step = getattr(cls, f"downcast_v{current}_v{current - 1}")
            data = step(data)
            current -= 1
        return data

    @classmethod
    def publish_version(cls) -> int:
        """The version this deployment writes: ``VERSION`` unless pinned lower."""
        return _PINNED.get(cls.TYPE, cls.VERSION)

    def published_payload(self) -> dict[str, Any]:
        """The payload as written at ``publish_version``."""
        data = self.model_dump(mode="json")
        version = self.publish_version()
        return data if version == self.VERSION else self.downcast(data, version)


_PINNED: dict[str, int] = {}


def pin_publish_versions(events: Mapping[str, type[Event]], pins: Mapping[str, int]) -> None:
    """Write the pinned events at an older version (``{"inventory.lot_changed": 1}``) while
    some readers know only that one. Refused at start unless the type is known, the version
    is one it had, and every step down to it exists."""
    checked: dict[str, int] = {}
    for event_type, version in pins.items():
        cls = events.get(event_type)
        if cls is None:
            raise ValueError(f"cannot pin {event_type}: no such event type")
        if not 1 <= version <= cls.VERSION:
            raise ValueError(f"cannot pin {event_type} to v{version}: it is v1–v{cls.VERSION}")
        missing = [
            f"downcast_v{v}_v{v - 1}"
            for v in range(cls.VERSION, version, -1)
            if not hasattr(cls, f"downcast_v{v}_v{v - 1}")
        ]
        if missing:
            raise ValueError(f"cannot pin {event_type} to v{version}: no {', '.join(missing)}")
        checked[event_type] = version
    _PINNED.clear()
    _PINNED.update(checked)


class PoisonMessage(Exception):
    """A message no retry can fix: bad JSON, an invalid payload, a version we do not know."""
