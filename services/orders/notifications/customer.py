"""Staging a notification from what the order knows about its customer: the language, the
address, the name and the order number, and whether the channel mails the customer itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders.notifications.locales import choose_locale
from services.orders.notifications.settings import MailSettings, should_mail
from services.orders.notifications.store import stage


def customer_country(customer: Mapping[str, Any]) -> str | None:
    address = customer.get("shipping_address") or {}
    country = customer.get("country_code") or address.get("country_code")
    return str(country) if country else None


async def stage_for_customer(
    conn: AsyncConnection,
    *,
    order_id: UUID,
    channel: str,
    order_number: str,
    customer: Mapping[str, Any],
    kind: str,
    reference: str = "",
    context: Mapping[str, Any],
    settings: MailSettings,
) -> None:
    """``stage`` for an order's customer (``orders_order.customer``)."""
    skip_reason = None
    if not should_mail(channel, settings):
        skip_reason = f"{channel} notifies its customers itself (mail.disabled_channels)"
    await stage(
        conn,
        order_id=order_id,
        kind=kind,
        reference=reference,
        locale=choose_locale(customer.get("locale"), customer_country(customer)),
        recipient=customer.get("email"),
        context={"order_number": order_number, "customer_name": customer.get("name"), **context},
        skip_reason=skip_reason,
    )
