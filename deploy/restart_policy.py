"""Pure: when the supervisor starts a process that died again, and when it gives up.

A process that dies is started again after a backoff that doubles with each quick death
(0.5 s, 1 s, 2 s … up to ``max_delay``). One that ran for ``healthy_after`` seconds before
dying is treated as healthy again: its backoff starts over. ``max_restarts`` deaths within
``window`` seconds is a crash loop: the supervisor stops restarting it and says so, rather
than burning the machine on a process that cannot start (a bad setting, a broken
migration). Times are plain floats (``time.monotonic()``), so the policy is testable
without a clock.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Policy:
    initial_delay: float = 0.5
    max_delay: float = 10.0
    healthy_after: float = 30.0
    max_restarts: int = 5
    window: float = 60.0


@dataclass
class Restarts:
    """One process's record: when it last started and when it died recently."""

    policy: Policy = field(default_factory=Policy)
    started_at: float | None = None
    deaths: list[float] = field(default_factory=list)
    streak: int = 0  # quick deaths in a row, for the backoff

    def started(self, now: float) -> None:
        self.started_at = now

    def died(self, now: float) -> float | None:
        """Record a death; the seconds to wait before starting it again, or None when it
        is crash-looping and must stay down."""
        ran = None if self.started_at is None else now - self.started_at
        self.streak = 1 if ran is not None and ran >= self.policy.healthy_after else self.streak + 1
        self.deaths = [t for t in self.deaths if now - t < self.policy.window] + [now]
        if len(self.deaths) > self.policy.max_restarts:
            return None
        delay = float(self.policy.initial_delay * 2 ** (self.streak - 1))
        return min(delay, self.policy.max_delay)


def describe_exit(code: int | None) -> str:
    """``exit code 1`` or ``killed by SIGKILL``, for the log line that says why."""
    if code is None:
        return "vanished"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
