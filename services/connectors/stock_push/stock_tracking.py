"""What each shop should show: inventory's lot snapshots (``inventory.lot_changed``) kept
per lot, summed per item into the quantity a shop may sell, and written as the ``intended``
quantity of every (shop, SKU) mapped to that item. The push itself is ``shop_levels``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.connectors import tables as t
from services.connectors.channels import registry
from services.connectors.channels.port import Capability
from services.connectors.channels.registry import Channels
from services.connectors.stock_push import stock_rules
from shared import wakeups
from shared.consuming import Delivery
from shared.contracts.inventory import LotChanged, LotStatus
from shared.hot_sql import HotStatement, any_of
from shared.snapshots import keep_newest

CONSUMER = "connectors"
WAKE = "stock push"  # a quantity became pending: the worker looks once it is committed


LOT_FIELDS = ("item_code", "on_hand", "reserved", "unit", "expires_on", "revision", "status")
_KEEP_NEWEST = HotStatement(keep_newest(t.stock_lot, "lot_code", LOT_FIELDS))


async def on_lot_changed(tx: Delivery, event: LotChanged) -> None:
    """Keep the newest snapshot of the lot and re-derive what the item's shops should show;
    a recall's snapshot (status blocked) thus lowers every shop's quantity by itself. The
    re-derivation runs once per item per consumed batch, after all its lots' snapshots
    (a busy batch holds many snapshots of few items)."""
    conn = tx.conn
    await _KEEP_NEWEST.execute(
        conn,
        lot_code=event.lot_code,
        item_code=event.item_code,
        on_hand=event.on_hand.value,
        reserved=event.reserved.value,
        unit=event.on_hand.unit,
        expires_on=event.expires_on,
        revision=event.revision,
        status=event.status.value,
    )
    item_code = event.item_code
    tx.once_before_commit(("refresh stock push", item_code), lambda: refresh_item(conn, item_code))


_LOTS_OF_ITEM = HotStatement(
    sa.select(
        t.stock_lot.c.on_hand,
        t.stock_lot.c.reserved,
        t.stock_lot.c.expires_on,
        t.stock_lot.c.status,
    ).where(t.stock_lot.c.item_code == sa.bindparam("item_code"))
)


async def _available(conn: AsyncConnection, item_code: str) -> int:
    rows = await _LOTS_OF_ITEM.fetch(conn, item_code=item_code)
    lots = [
        stock_rules.LotStock(r.on_hand, r.reserved, r.expires_on, LotStatus(r.status)) for r in rows
    ]
    return stock_rules.available_to_sell(lots, today=datetime.now(UTC).date())


def _pushed_to(channels: Channels | None) -> Any:
    """Shops whose channel takes a stock push (Shopify's today)."""
    names = (channels or registry.default()).supporting(Capability.STOCK_PUSH)
    return t.shop.c.channel.in_(names)


_LOCK_ITEM = HotStatement(
    sa.select(
        sa.func.pg_advisory_xact_lock(sa.func.hashtext(sa.bindparam("item_code", type_=sa.Text)))
    )
)
# The (shop, SKU) pairs mapped to an item in shops of the channels given (one array
# parameter: one SQL text whatever their number), with Admin access and installed; the
# access token is only tested, never read (reading it needs SQLAlchemy's decryption).
_TARGETS = HotStatement(
    sa.select(t.sku_mapping.c.shop_domain, t.sku_mapping.c.sku)
    .join(t.shop, t.shop.c.domain == t.sku_mapping.c.shop_domain)
    .where(
        t.sku_mapping.c.item_code == sa.bindparam("item_code"),
        any_of(t.shop.c.channel, "channels"),
        t.shop.c.access_token.is_not(None),
        t.shop.c.uninstalled_at.is_(None),
    )
)


async def refresh_item(
    conn: AsyncConnection, item_code: str, channels: Channels | None = None
) -> None:
    """Every shop of a channel taking stock pushes, with Admin access and a SKU mapped to
    the item, gets the item's quantity as its intended one. A per-item advisory lock
    serialises concurrent lot events of one item, so the last writer sums every lot's
    newest snapshot."""
    await _LOCK_ITEM.execute(conn, item_code=item_code)
    names = (channels or registry.default()).supporting(Capability.STOCK_PUSH)
    targets = await _TARGETS.fetch(conn, item_code=item_code, channels=names)
    pairs = [(r.shop_domain, r.sku) for r in targets]
    if not pairs:
        return
    available = await _available(conn, item_code)
    for shop, sku in pairs:
        await set_intended(conn, shop=shop, sku=sku, item_code=item_code, quantity=available)


async def shop_access_changed(conn: AsyncConnection, shop: str) -> None:
    """A shop's Admin access was set or changed: its SKUs' quantities are derived again
    (while it had no access its rows were left as they were), and its refused pushes are
    due at once, their backoff forgotten — a shop connected again after hours of refusals
    does not wait out the longest one. A push in flight loses its lease and is pushed
    again: quantities are absolute."""
    items = await conn.scalars(
        sa.select(t.sku_mapping.c.item_code).where(t.sku_mapping.c.shop_domain == shop).distinct()
    )
    for item_code in sorted(items):
        await refresh_item(conn, item_code)
    await conn.execute(
        t.stock_sync.update()
        .where(
            t.stock_sync.c.shop == shop,
            t.stock_sync.c.attempts > 0,
            t.stock_sync.c.claimed_until.is_not(None),
        )
        .values(attempts=0, claimed_until=None)
    )
    wakeups.mark(conn, WAKE)


async def track_mapping(conn: AsyncConnection, *, shop: str, sku: str, item_code: str) -> None:
    """A new or changed mapping: the SKU shows its (new) item's quantity from now on."""
    await conn.execute(
        t.stock_sync.delete().where(
            t.stock_sync.c.shop == shop,
            t.stock_sync.c.sku == sku,
            t.stock_sync.c.item_code != item_code,
        )
    )
    await refresh_item(conn, item_code)


async def set_intended(
    conn: AsyncConnection, *, shop: str, sku: str, item_code: str, quantity: int
) -> None:
    """A changed quantity becomes pending (its debounce restarts); an unchanged one is left
    alone, so replayed lot events cause no pushes."""
    now = sa.func.now()
    table = t.stock_sync
    statement = insert(table).values(
        shop=shop,
        sku=sku,
        item_code=item_code,
        intended=quantity,
        changed_at=now,
        pending_since=now,
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.shop, table.c.sku],
            set_={
                "item_code": item_code,
                "intended": quantity,
                "changed_at": now,
                "pending_since": sa.func.coalesce(table.c.pending_since, now),
            },
            where=table.c.intended != quantity,
        )
    )
    wakeups.mark(conn, WAKE)


async def forget(conn: AsyncConnection, *, shop: str, sku: str) -> None:
    """A deleted mapping: Lotline no longer speaks for that SKU's stock in the shop."""
    await conn.execute(
        t.stock_sync.delete().where(t.stock_sync.c.shop == shop, t.stock_sync.c.sku == sku)
    )


async def track_untracked(engine: AsyncEngine, channels: Channels | None = None) -> int:
    """Rows for mapped SKUs that have none yet — a shop given its access token after the
    last stock change, a mapping made before this feature — so no shop is left unpushed."""
    async with engine.begin() as conn:
        missing = await conn.execute(
            sa.select(t.sku_mapping.c.item_code)
            .join(t.shop, t.shop.c.domain == t.sku_mapping.c.shop_domain)
            .outerjoin(
                t.stock_sync,
                sa.and_(
                    t.stock_sync.c.shop == t.sku_mapping.c.shop_domain,
                    t.stock_sync.c.sku == t.sku_mapping.c.sku,
                ),
            )
            .where(
                _pushed_to(channels),
                t.shop.c.access_token.is_not(None),
                t.shop.c.uninstalled_at.is_(None),
                t.stock_sync.c.shop.is_(None),
            )
            .distinct()
        )
        items = sorted(r.item_code for r in missing)
        for item_code in items:
            await refresh_item(conn, item_code, channels)
    return len(items)
