"""The base of every published event: frozen, versioned, tolerant of unknown fields."""

from __future__ import annotations

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


class PoisonMessage(Exception):
    """A message no retry can fix: bad JSON, an invalid payload, a version we do not know."""
