"""Staging a customer e-mail for an order, inside the transaction of the fact it tells."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders.notifications import stage_for_customer
from shared.settings import get_settings


async def notify(
    conn: AsyncConnection, head: Any, *, kind: str, reference: str = "", context: dict[str, Any]
) -> None:
    """One mail per (order, kind, reference): a redelivered trigger never mails twice."""
    await stage_for_customer(
        conn,
        order_id=head.id,
        channel=head.channel,
        order_number=head.external_number or head.external_id,
        customer=head.customer or {},
        kind=kind,
        reference=reference,
        context={"shop_name": get_settings().producer.name, **context},
        settings=get_settings().mail,
    )
