"""Production's copy of inventory's purchase orders (``PurchaseOrderChanged``): what open
purchase orders still bring, and when, for the promise."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.purchasing.cover_rules import Expected
from shared.consuming import Delivery
from shared.contracts.inventory import PurchaseOrderChanged, PurchaseOrderStatus
from shared.hot_sql import HotStatement
from shared.snapshots import keep_newest

_KEEP_NEWEST = keep_newest(
    t.purchase_order,
    "id",
    ("item_code", "remaining", "unit", "expected_on", "status", "revision"),
)


async def when_purchase_order_changed(tx: Delivery, event: PurchaseOrderChanged) -> None:
    """Keep the highest revision; the next re-plan uses it."""
    conn = tx.conn
    values = {
        "id": event.purchase_order_id,
        "item_code": event.item_code,
        "remaining": event.remaining.value,
        "unit": event.remaining.unit,
        "expected_on": event.expected_on,
        "status": event.status.value,
        "revision": event.revision,
    }
    await conn.execute(_KEEP_NEWEST, values)


_PO = t.purchase_order
# Read by every re-plan and quote: compiled once (``shared.hot_sql``).
_OPEN_BY_ITEM = HotStatement(
    sa.select(_PO.c.item_code, _PO.c.expected_on, _PO.c.remaining)
    .where(_PO.c.status == PurchaseOrderStatus.OPEN.value, _PO.c.remaining > 0)
    .order_by(_PO.c.expected_on, _PO.c.id)
)


async def open_by_item(conn: AsyncConnection) -> dict[str, list[Expected]]:
    """Open purchase orders with something still to come, per item."""
    rows = await _OPEN_BY_ITEM.fetch(conn)
    found: dict[str, list[Expected]] = {}
    for row in rows:
        found.setdefault(row.item_code, []).append(Expected(row.expected_on, row.remaining))
    return found
