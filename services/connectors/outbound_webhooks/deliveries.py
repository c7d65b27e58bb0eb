"""One try of one outbound webhook: claim the next due delivery, sign its body, POST it,
record the answer. The call is made outside any transaction (a receiver may be slow); the
row is leased meanwhile, so a crashed worker's delivery is simply tried again.

2xx → done (the subscription's run of dead deliveries ends). A retryable answer (408, 425,
429, 5xx, a timeout, a refused connection) → due again after the receiver's Retry-After or
the backoff, until the budget is spent → dead. Any other answer → dead at once. A dead
delivery counts against its subscription, which is disabled after
``disable_after_dead`` in a row; an admin replays a dead delivery once the receiver is fixed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.config import OutboundWebhookSettings
from services.connectors.outbound_webhooks import delivery_rules, signature_rules
from services.connectors.outbound_webhooks import repository as repo
from services.connectors.outbound_webhooks.delivery_rules import GiveUp, RetryPolicy
from services.connectors.service import ConnectorError
from shared.http_answers import Answer, Verdict, classify

log = logging.getLogger(__name__)

USER_AGENT = "Lotline-Webhooks/1"


class UnknownDelivery(ConnectorError):
    pass


class NotReplayable(ConnectorError):
    pass


def policy(settings: OutboundWebhookSettings) -> RetryPolicy:
    return RetryPolicy(
        attempts=settings.max_attempts,
        retry_for_seconds=settings.retry_for_seconds,
        initial_seconds=settings.backoff_initial_seconds,
        max_seconds=settings.backoff_max_seconds,
        jitter_seconds=settings.jitter_seconds,
        max_hint_seconds=settings.max_retry_after_seconds,
    )


Clock = Callable[[], float]  # unix seconds; ``time.time`` but in tests


def request_headers(row: Any, *, now: float) -> dict[str, str]:
    """The headers of one try at ``now``: signed with the current secret, and with the
    previous one too while its grace period after a rotation lasts."""
    signing = signature_rules.signing_secrets(
        row.secret,
        row.previous_secret,
        row.previous_secret_until,
        now=datetime.fromtimestamp(now, UTC),
    )
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signature_rules.SIGNATURE_HEADER: signature_rules.signed_header(
            signing, int(now), row.body
        ),
        signature_rules.DELIVERY_HEADER: str(row.id),
        signature_rules.EVENT_TYPE_HEADER: row.event_type,
    }


async def _post(
    http: httpx.AsyncClient, row: Any, *, clock: Clock
) -> tuple[Answer, int | None, str]:
    """The answer's verdict, its status code and a short description of it."""
    try:
        answer = await http.post(
            row.url, content=row.body, headers=request_headers(row, now=clock())
        )
    except httpx.TimeoutException as error:
        return Answer(Verdict.RETRY), None, f"timed out ({type(error).__name__})"
    except httpx.HTTPError as error:
        return Answer(Verdict.RETRY), None, f"no answer: {type(error).__name__}: {error}"
    except Exception as error:  # a request that cannot be made (a bug): dead, not looping
        log.exception("webhook delivery %s could not be sent", row.id)
        return Answer(Verdict.REFUSED), None, f"unexpected error: {type(error).__name__}"
    verdict = classify(answer.status_code, answer.headers)
    return verdict, answer.status_code, f"HTTP {answer.status_code}"


async def perform(
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    settings: OutboundWebhookSettings,
    *,
    delivery_id: UUID | None = None,
    clock: Clock = time.time,
) -> bool:
    """Claim a due delivery (or the one named) and make one try; False when none is due."""
    async with engine.begin() as conn:
        row = await repo.claim(conn, lease_seconds=settings.lease_seconds, delivery_id=delivery_id)
    if row is None:
        return False
    answer, status_code, what = await _post(http, row, clock=clock)
    attempts = row.attempts + 1
    async with engine.begin() as conn:
        if answer.verdict is Verdict.OK:
            if await repo.finish(conn, row.id, status="done", status_code=status_code, error=None):
                await repo.delivered(conn, row.subscription_id)
            log.info("webhook delivery %s done (%s, attempt %d)", row.id, what, attempts)
            return True
        outcome = delivery_rules.after_failure(
            policy(settings),
            answer,
            attempts=attempts,
            tried_for_seconds=float(row.tried_for or 0.0),
            reason=what,
        )
        if isinstance(outcome, GiveUp):
            await _dead(conn, row, settings, status_code=status_code, reason=outcome.reason)
            return True
        await repo.retry_later(
            conn,
            row.id,
            wait_seconds=outcome.wait_seconds,
            status_code=status_code,
            error=what,
        )
    log.warning(
        "webhook delivery %s failed (%s, attempt %d); again in %.1fs",
        row.id,
        what,
        attempts,
        outcome.wait_seconds,
    )
    return True


async def _dead(
    conn: Any, row: Any, settings: OutboundWebhookSettings, *, status_code: int | None, reason: str
) -> None:
    if (
        await repo.finish(conn, row.id, status="dead", status_code=status_code, error=reason)
        is None
    ):
        return
    log.error("webhook delivery %s is dead: %s", row.id, reason)
    subscription = await repo.one_more_dead(conn, row.subscription_id)
    if (
        subscription is not None
        and subscription.enabled
        and delivery_rules.disables(
            subscription.consecutive_dead, disable_after=settings.disable_after_dead
        )
    ):
        await repo.set_enabled(
            conn,
            row.subscription_id,
            enabled=False,
            reason=f"{subscription.consecutive_dead} deliveries in a row are dead; last: {reason}",
        )
        log.error("webhook subscription %s disabled after repeated failures", row.subscription_id)


async def forget_expired_secrets(engine: AsyncEngine, *, clock: Clock = time.time) -> None:
    """Previous secrets whose grace period has ended are cleared: they sign nothing more."""
    async with engine.begin() as conn:
        forgotten = await repo.forget_expired_secrets(
            conn, now=datetime.fromtimestamp(clock(), UTC)
        )
    if forgotten:
        log.info("%d outbound webhook secret(s) past their grace period forgotten", forgotten)


async def replay(engine: AsyncEngine, delivery_id: UUID) -> Any:
    """dead → pending with attempts and time budget reset: the admin's answer to a dead
    delivery. It goes out once its subscription is enabled."""
    async with engine.begin() as conn:
        row = await repo.replay(conn, delivery_id)
        if row is None:
            current = await repo.delivery(conn, delivery_id)
            if current is None:
                raise UnknownDelivery(f"unknown webhook delivery {delivery_id}")
            raise NotReplayable(f"webhook delivery {delivery_id} is {current.status}, not dead")
    return row


async def find(engine: AsyncEngine, delivery_id: UUID) -> Any:
    async with engine.connect() as conn:
        row = await repo.delivery(conn, delivery_id)
    if row is None:
        raise UnknownDelivery(f"unknown webhook delivery {delivery_id}")
    return row


async def listing(
    engine: AsyncEngine,
    *,
    subscription_id: UUID | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Any]:
    async with engine.connect() as conn:
        return list(
            await repo.deliveries(
                conn, subscription_id=subscription_id, status=status, limit=limit, offset=offset
            )
        )
