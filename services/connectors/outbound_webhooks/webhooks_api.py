"""HTTP routes of outbound webhooks: subscriptions (created, listed, disabled, enabled,
deleted, their secret rotated) and the delivery log with replay. The gateway lets only
admins write."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.config import OutboundWebhookSettings
from services.connectors.outbound_webhooks import deliveries, subscriptions
from services.connectors.outbound_webhooks.schemas import (
    DeliveryOut,
    DeliveryStatus,
    DisableIn,
    SecretRotated,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionOut,
)
from shared.runtime import engine_of

router = APIRouter(tags=["outbound webhooks"])
Engine = Annotated[AsyncEngine, Depends(engine_of)]
PATH = "/api/outbound-webhooks"


def _settings(request: Request) -> OutboundWebhookSettings:
    settings: OutboundWebhookSettings = request.app.state.outbound_webhooks
    return settings


def _wake(request: Request) -> None:
    request.app.state.outbound_webhook_worker.wake()


def _out(row: Any, counts: dict[tuple[UUID, str], int] | None = None) -> dict[str, Any]:
    counted = counts or {}
    return {
        **SubscriptionOut.model_validate(row).model_dump(),
        **{s.value: counted.get((row.id, s.value), 0) for s in DeliveryStatus},
    }


@router.post(PATH, response_model=SubscriptionCreated, status_code=status.HTTP_201_CREATED)
async def create_subscription(
    body: SubscriptionIn, request: Request, engine: Engine
) -> SubscriptionCreated:
    """Subscribe an endpoint to event types. The answer holds the signing ``secret``: keep
    it, it is never shown again (422 for a URL that is not https, or an unknown type)."""
    created = await subscriptions.create(
        engine,
        url=body.url,
        event_types=[t.value for t in body.event_types],
        description=body.description,
        http_hosts=_settings(request).http_allowed_hosts,
    )
    return SubscriptionCreated(**_out(created.row), secret=created.secret)


@router.get(PATH, response_model=list[SubscriptionOut])
async def list_subscriptions(engine: Engine) -> list[SubscriptionOut]:
    """Every subscription (no secrets) with its deliveries counted by status."""
    rows, counts = await subscriptions.listing(engine)
    return [SubscriptionOut(**_out(r, counts)) for r in rows]


@router.post(f"{PATH}/{{subscription_id}}/disable", response_model=SubscriptionOut)
async def disable_subscription(
    subscription_id: UUID, engine: Engine, body: DisableIn | None = None
) -> SubscriptionOut:
    """Stop sending; new events are not staged for it, pending deliveries wait."""
    row = await subscriptions.set_enabled(
        engine, subscription_id, enabled=False, reason=body.reason if body else None
    )
    return SubscriptionOut(**_out(row))


@router.post(f"{PATH}/{{subscription_id}}/enable", response_model=SubscriptionOut)
async def enable_subscription(
    subscription_id: UUID, request: Request, engine: Engine
) -> SubscriptionOut:
    """Send again (after an automatic or a manual disable); its run of failures is reset."""
    row = await subscriptions.set_enabled(engine, subscription_id, enabled=True)
    _wake(request)
    return SubscriptionOut(**_out(row))


@router.post(f"{PATH}/{{subscription_id}}/rotate-secret", response_model=SecretRotated)
async def rotate_secret(subscription_id: UUID, request: Request, engine: Engine) -> SecretRotated:
    """A new signing ``secret``, in this answer only. The previous one keeps signing every
    delivery beside it (a second ``v1`` in ``Lotline-Signature``) until
    ``previous_secret_until`` (the grace setting, 24 h by default), then it is forgotten."""
    rotated = await subscriptions.rotate_secret(
        engine, subscription_id, grace_seconds=_settings(request).secret_grace_seconds
    )
    return SecretRotated(**_out(rotated.row), secret=rotated.secret)


@router.delete(f"{PATH}/{{subscription_id}}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subscription(subscription_id: UUID, engine: Engine) -> Response:
    """Delete the subscription and its delivery log."""
    await subscriptions.delete(engine, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(f"{PATH}/deliveries", response_model=list[DeliveryOut])
async def list_deliveries(
    engine: Engine,
    subscription_id: UUID | None = None,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[DeliveryOut]:
    """The delivery log, newest first: status, attempts and the last answer of each."""
    rows = await deliveries.listing(
        engine,
        subscription_id=subscription_id,
        status=status.value if status else None,
        limit=limit,
        offset=offset,
    )
    return [DeliveryOut.model_validate(r) for r in rows]


@router.post(f"{PATH}/deliveries/{{delivery_id}}/replay", response_model=DeliveryOut)
async def replay_delivery(delivery_id: UUID, request: Request, engine: Engine) -> DeliveryOut:
    """A dead delivery goes back to pending (same id, same body, attempts reset); 409 when
    it is not dead."""
    row = await deliveries.replay(engine, delivery_id)
    _wake(request)
    return DeliveryOut.model_validate(row)
