"""Connectors queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.connectors import tables as t
from shared import encryption
from shared.hot_sql import HotStatement


async def shop_secret(conn: AsyncConnection, domain: str) -> str | None:
    row = (
        await conn.execute(sa.select(t.shop.c.webhook_secret).where(t.shop.c.domain == domain))
    ).first()
    return None if row is None else str(row.webhook_secret)


async def insert_shop(conn: AsyncConnection, *, domain: str, channel: str, secret: str) -> bool:
    result = await conn.execute(
        insert(t.shop)
        .values(domain=domain, channel=channel, webhook_secret=secret)
        .on_conflict_do_nothing()
        .returning(t.shop.c.domain)
    )
    return result.first() is not None


SHOP_COLUMNS = (
    t.shop.c.domain,
    t.shop.c.channel,
    t.shop.c.created_at,
    t.shop.c.admin_api_url,
    t.shop.c.access_token,
    t.shop.c.notify_customer,
    t.shop.c.uninstalled_at,  # Shopify sync (issue 4)
    t.shop.c.restock_to,
    t.shop.c.test_orders_live,  # issue 18
)


async def list_shops(conn: AsyncConnection) -> Sequence[Any]:
    return (await conn.execute(sa.select(*SHOP_COLUMNS).order_by(t.shop.c.domain))).all()


async def shop(conn: AsyncConnection, domain: str) -> Any:
    """The shop with its Admin API access (token included: callers never return it)."""
    return (await conn.execute(sa.select(*SHOP_COLUMNS).where(t.shop.c.domain == domain))).first()


@dataclass(frozen=True)
class WebhookShop:
    """What a webhook needs of its shop: the secret its signature is checked with (in the
    clear) and whether the shop uninstalled the app."""

    webhook_secret: str
    uninstalled_at: datetime | None


# The ciphertext read as text (decrypted below, not by the column type), so the statement
# runs hot: every webhook reads it.
_SHOP_FOR_WEBHOOK = HotStatement(
    sa.select(
        sa.type_coerce(t.shop.c.webhook_secret, sa.Text).label("webhook_secret"),
        t.shop.c.uninstalled_at,
    ).where(t.shop.c.domain == sa.bindparam("domain"))
)


@lru_cache(maxsize=1024)
def _decrypted(stored: str, keyring: object) -> str:
    """A stored secret in the clear, once per ciphertext and keyring: a rotated secret is a
    new ciphertext, new keys a new keyring, so neither is ever answered from memory."""
    return encryption.decrypt(stored)


async def shop_for_webhook(conn: AsyncConnection, domain: str) -> WebhookShop | None:
    """The shop's webhook secret and uninstall time, in one round trip (every webhook reads
    both); None when no such shop. Read as a statement of its own (``fetch_alone``): on a
    connection with no transaction begun."""
    rows = await _SHOP_FOR_WEBHOOK.fetch_alone(conn, domain=domain)
    if not rows:
        return None
    row = rows[0]
    secret = _decrypted(row.webhook_secret, encryption.keyring())
    return WebhookShop(webhook_secret=secret, uninstalled_at=row.uninstalled_at)


async def update_shop(conn: AsyncConnection, domain: str, values: dict[str, Any]) -> bool:
    """False when no such shop."""
    if not values:
        return await shop(conn, domain) is not None
    result = await conn.execute(
        t.shop.update().where(t.shop.c.domain == domain).values(**values).returning(t.shop.c.domain)
    )
    return result.first() is not None


_LIVE_TEST_ORDERS = HotStatement(
    sa.select(t.shop.c.test_orders_live).where(t.shop.c.domain == sa.bindparam("domain"))
)


async def live_test_orders(conn: AsyncConnection, domain: str) -> bool:
    """Whether the shop's test orders are taken as real ones (issue 18); False for a shop
    not known. Read alone: the shop's row carries encrypted columns to decrypt."""
    row = await _LIVE_TEST_ORDERS.fetchrow(conn, domain=domain)
    return bool(row is not None and row.test_orders_live)


_SKU_MAPPINGS = HotStatement(
    sa.select(t.sku_mapping.c.sku, t.sku_mapping.c.item_code).where(
        t.sku_mapping.c.shop_domain == sa.bindparam("domain")
    )
)


async def sku_mappings(conn: AsyncConnection, domain: str) -> dict[str, str]:
    rows = await _SKU_MAPPINGS.fetch(conn, domain=domain)
    return {r.sku: r.item_code for r in rows}


async def sku_mapping_page(
    conn: AsyncConnection, domain: str, *, limit: int, offset: int
) -> list[tuple[str, str]]:
    m = t.sku_mapping
    rows = await conn.execute(
        sa.select(m.c.sku, m.c.item_code)
        .where(m.c.shop_domain == domain)
        .order_by(m.c.sku)
        .limit(limit)
        .offset(offset)
    )
    return [(r.sku, r.item_code) for r in rows]


async def upsert_sku_mapping(
    conn: AsyncConnection, *, domain: str, sku: str, item_code: str
) -> None:
    statement = insert(t.sku_mapping).values(shop_domain=domain, sku=sku, item_code=item_code)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[t.sku_mapping.c.shop_domain, t.sku_mapping.c.sku],
            set_={"item_code": item_code, "updated_at": sa.func.now()},
        )
    )


async def delete_sku_mapping(conn: AsyncConnection, *, domain: str, sku: str) -> bool:
    """False when there was no such mapping."""
    result = await conn.execute(
        t.sku_mapping.delete()
        .where(t.sku_mapping.c.shop_domain == domain, t.sku_mapping.c.sku == sku)
        .returning(t.sku_mapping.c.sku)
    )
    return result.first() is not None
