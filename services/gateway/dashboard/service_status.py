"""What the status page shows of one process: alive, ready (with each check), and the few
numbers an operator watches, read from its Prometheus text. Pure: a metric a process does
not publish is ``None`` ("unknown"), never a zero it did not say."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from services.gateway.dashboard.readiness_words import shown

LAG = "lotline_kafka_consumer_lag"
OUTBOX = "lotline_outbox_unpublished"
OUTBOX_AGE = "lotline_outbox_oldest_unpublished_age_seconds"
DEAD_ROWS = "lotline_dead_letters"
DEAD_LETTERED = "lotline_messages_dead_lettered"


@dataclass(frozen=True)
class Check:
    """``detail`` is what the page shows; ``raw`` what the process said, for the log only."""

    name: str
    ok: bool
    detail: str
    raw: str = ""


@dataclass(frozen=True)
class Readiness:
    """``ready`` is None when /readyz did not answer (unreachable or missing)."""

    ready: bool | None
    checks: tuple[Check, ...] = ()
    problem: str = ""


@dataclass(frozen=True)
class Numbers:
    """From /metrics; each None when the process does not publish it."""

    lag_by_group: Mapping[str, float] | None = None
    outbox_backlog: float | None = None
    outbox_oldest_seconds: float | None = None
    dead_letters: Mapping[str, float] | None = None
    webhooks_pending: float | None = None
    problem: str = ""

    @property
    def lag_total(self) -> float | None:
        return None if self.lag_by_group is None else sum(self.lag_by_group.values())

    @property
    def dead_total(self) -> float | None:
        return None if self.dead_letters is None else sum(self.dead_letters.values())


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    alive: bool | None
    readiness: Readiness
    numbers: Numbers = field(default_factory=Numbers)


def readiness(status_code: int | None, body: Any) -> Readiness:
    """Both shapes in use: ``{"checks": {name: {"ok", "detail"}}}`` and ``{name: bool}``."""
    if status_code is None:
        return Readiness(None, problem="unreachable")
    if status_code == 404:
        return Readiness(None, problem="no /readyz")
    checks: list[Check] = []
    raw = body.get("checks", {}) if isinstance(body, dict) else {}
    for name, value in sorted(raw.items()):
        if isinstance(value, dict):
            raw = str(value.get("detail", ""))
            checks.append(Check(name, bool(value.get("ok")), shown(raw), raw))
        else:
            checks.append(Check(name, bool(value), ""))
    return Readiness(status_code == 200, tuple(checks))


def numbers(text: str) -> Numbers:
    """The watched numbers of one scrape; families absent from it stay unknown."""
    lag: dict[str, float] | None = None
    backlog = oldest = pending = None
    dead: dict[str, float] | None = None
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError as error:
        return Numbers(problem=f"unreadable metrics ({error})")
    for family in families:
        if family.name == LAG:
            lag = lag or {}
            for s in family.samples:
                group = s.labels.get("group", "?")
                lag[group] = lag.get(group, 0.0) + max(s.value, 0.0)
        elif family.name == OUTBOX:
            backlog = sum(s.value for s in family.samples)
        elif family.name == OUTBOX_AGE:
            oldest = max((s.value for s in family.samples), default=0.0)
        elif family.name in (DEAD_ROWS, DEAD_LETTERED):
            dead = dead or {}
            for s in family.samples:
                if s.name.endswith("_created"):
                    continue
                kind = s.labels.get("kind") or s.labels.get("topic") or family.name
                dead[kind] = dead.get(kind, 0.0) + s.value
        elif "webhook" in family.name:
            found = [
                s.value
                for s in family.samples
                if "pending" in s.name or s.labels.get("status") == "pending"
            ]
            if found:
                pending = (pending or 0.0) + sum(found)
    return Numbers(lag, backlog, oldest, dead, pending)
