"""What every production use case shares: its errors, how it publishes, and how it moves a
production order (and the orders made for it).

The use cases themselves live by concept, one package each: ``recipes``, ``production_orders``
(planning, operator, inventory's answers), ``order_changes`` (lines reduced, orders cancelled),
``capacity`` (lines and calendars), ``promise`` (quotes and the re-plan) and ``purchasing``;
``read_models`` holds inventory's items and lots. Each use case owns its transaction: inbox,
state change and outbox commit together. The rules are pure (``domain`` and every
``*_rules`` module); ``production_orders.repository`` reads and writes production orders,
``production_orders.views`` shapes them for the API.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from services.production.production_orders import domain, repository
from shared import outbox
from shared.contracts.base import Event
from shared.contracts.envelope import Envelope
from shared.contracts.inventory import MaterialShortage
from shared.contracts.production import ProductionOrderStatusChanged, ProductionStatus

CONSUMER = "production"


class ProductionError(ValueError):
    """A request production refuses, with a reason a person can act on (422)."""


class NotFound(ProductionError):
    """No such production order, recipe or item (404)."""


async def publish(
    conn: AsyncConnection, events: Sequence[Event], *, cause: Envelope | None = None
) -> None:
    """Stage ``events`` in the caller's transaction; a consumed event carries its flow on."""
    if cause is None:
        await outbox.add(conn, events)
        return
    await outbox.add(
        conn,
        events,
        correlation_id=cause.correlation_id or cause.event_id,
        causation_id=cause.event_id,
    )


async def move(
    conn: AsyncConnection,
    order: domain.ProductionOrder,
    target: ProductionStatus,
    *,
    reason: str | None = None,
    shortages: Sequence[MaterialShortage] = (),
) -> tuple[domain.ProductionOrder, ProductionOrderStatusChanged]:
    """A legal move written with its history row; an illegal one raises IllegalTransition."""
    moved, change = domain.transition(order, target, reason=reason, shortages=shortages)
    await repository.record_status(conn, change)
    return moved, change


async def cancel_with_children(
    conn: AsyncConnection, order: domain.ProductionOrder, *, reason: str
) -> list[Event]:
    """Cancel ``order`` and every not-started production order made for it (they would
    serve nothing); started ones finish and their output becomes free stock."""
    _, change = await move(conn, order, ProductionStatus.CANCELLED, reason=reason)
    events: list[Event] = [change]
    for child in await repository.orders_for_update(
        conn, await repository.children_ids(conn, order.id)
    ):
        if not child.started:
            events += await cancel_with_children(
                conn, child, reason=f"parent production order {order.id} cancelled"
            )
    return events
