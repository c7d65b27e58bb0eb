"""The outbound webhook worker: one task in the connectors process, woken when deliveries
are staged (after their commit) or replayed, sleeping until the next retry falls due, and
polling on a slow fallback for work staged by another process."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.config import OutboundWebhookSettings
from services.connectors.http_worker import HttpPollingWorker
from services.connectors.outbound_webhooks import deliveries, staging
from services.connectors.outbound_webhooks import repository as repo
from shared import wakeups
from shared.polling import seconds_until

# A delivery held back behind an earlier one of its order looks due: look again no sooner.
HELD_BACK_PAUSE = timedelta(seconds=1)


class OutboundWebhookWorker(HttpPollingWorker):
    """Makes due tries, up to ``batch_size`` a turn, a few at once: rows are leased in the
    database, and a delivery held back by an earlier one of its order is never claimed."""

    CONCURRENCY = 4

    def __init__(
        self,
        engine: AsyncEngine,
        settings: OutboundWebhookSettings,
        *,
        grace_seconds: float = 5.0,
        clock: deliveries.Clock = time.time,
    ) -> None:
        super().__init__(
            name="outbound webhook worker",
            batch_size=settings.batch_size,
            interval=settings.poll_interval_seconds,
            http_timeout=settings.http_timeout_seconds,
            grace_seconds=grace_seconds,
        )
        self._engine = engine
        self._settings = settings
        self._clock = clock
        wakeups.wake_after_commit(engine, staging.WAKE, self.wake)

    async def _lane(self, budget: list[int]) -> int:
        done = 0
        while not self.stopping and budget[0] > 0:
            budget[0] -= 1
            if not await deliveries.perform(
                self._engine, self.http, self._settings, clock=self._clock
            ):
                break
            done += 1
        return done

    async def step(self) -> int:
        """Up to one batch of tries; how many were made."""
        await deliveries.forget_expired_secrets(self._engine, clock=self._clock)
        budget = [self._settings.batch_size]
        lanes = min(self.CONCURRENCY, self._settings.batch_size)
        return sum(await asyncio.gather(*(self._lane(budget) for _ in range(lanes))))

    async def next_turn_in(self) -> float | None:
        return seconds_until(*await repo.soonest_due(self._engine), shortest=HELD_BACK_PAUSE)
