"""Watching reorder points: in the transaction of every stock change, an item whose
available stock fell under its reorder point gets one open replenishment suggestion.

No duplicates: a partial unique index allows one open suggestion per item, and the insert
does nothing when one is open, whatever the concurrency. Accepting or dismissing it lets the
next fall under the reorder point raise a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.inventory import tables as t
from services.inventory.replenishment import replenishment_rules as rules
from services.inventory.reservations.domain import stock_figures
from services.inventory.stock import lot_repository
from shared.contracts.inventory import PurchaseOrderStatus

OUTFLOWS = ("consumption", "shipment")


async def raise_suggestions(conn: AsyncConnection, item_codes: Iterable[str]) -> int:
    """One open suggestion for each watched item under its reorder point; how many new."""
    codes = sorted(set(item_codes))
    if not codes:
        return 0
    watched = await conn.execute(
        sa.select(t.reorder_point, t.item.c.kind)
        .join(t.item, t.item.c.code == t.reorder_point.c.item_code)
        .where(t.reorder_point.c.item_code.in_(codes))
    )
    raised = 0
    for row in watched:
        rule = rule_of(row)
        suggestion = rules.suggest(
            rule,
            item_kind=row.kind,
            unit=row.unit,
            available=await available_of(conn, rule.item_code),
            coming=await on_order_of(conn, rule.item_code),
        )
        if suggestion is None:
            continue
        raised += await _insert_open(
            conn, suggestion, daily_demand=await daily_demand_of(conn, rule.item_code)
        )
    return raised


async def _insert_open(
    conn: AsyncConnection, suggestion: rules.Suggestion, *, daily_demand: Decimal
) -> bool:
    """Insert the suggestion unless one is open for the item already (the partial index)."""
    inserted = await conn.execute(
        insert(t.suggestion)
        .values(
            id=uuid4(),
            item_code=suggestion.item_code,
            kind=suggestion.kind.value,
            quantity=suggestion.quantity,
            unit=suggestion.unit,
            available=suggestion.available,
            daily_demand=daily_demand,
            status=rules.SuggestionStatus.OPEN.value,
        )
        .on_conflict_do_nothing(
            index_elements=[t.suggestion.c.item_code],
            index_where=t.suggestion.c.status == rules.SuggestionStatus.OPEN.value,
        )
        .returning(t.suggestion.c.id)
    )
    return inserted.first() is not None


def rule_of(row: Any) -> rules.ReorderRule:
    return rules.ReorderRule(
        item_code=row.item_code,
        reorder_point=row.reorder_point,
        target=row.target,
        pack_size=row.pack_size,
    )


async def available_of(conn: AsyncConnection, item_code: str) -> Decimal:
    """What may still be sold of the item (base unit): blocked and quarantined lots are out."""
    figures = await lot_repository.lot_figures(conn, [item_code])
    return stock_figures(figures.get(item_code, [])).available


async def on_order_of(conn: AsyncConnection, item_code: str) -> Decimal:
    """Still to come (``replenishment.on_order``), from the item's open purchase orders and
    accepted production suggestions (base unit)."""
    po, sg = t.purchase_order, t.suggestion
    purchases = await conn.execute(
        sa.select(po.c.quantity, po.c.received).where(
            po.c.item_code == item_code, po.c.status == PurchaseOrderStatus.OPEN.value
        )
    )
    made = sa.exists().where(t.lot.c.production_order_id == sg.c.reference)
    production = await conn.execute(
        sa.select(sg.c.quantity, made.label("made")).where(
            sg.c.item_code == item_code,
            sg.c.kind == rules.SuggestionKind.PRODUCTION.value,
            sg.c.status == rules.SuggestionStatus.ACCEPTED.value,
        )
    )
    return rules.on_order(
        [rules.OpenPurchase(Decimal(r.quantity), Decimal(r.received)) for r in purchases],
        [rules.AcceptedProduction(Decimal(r.quantity), bool(r.made)) for r in production],
    )


async def daily_demand_of(conn: AsyncConnection, item_code: str) -> Decimal:
    """The moving average of consumption and shipments over the demand window."""
    today = datetime.now(UTC).date()
    since = today - timedelta(days=rules.DEMAND_WINDOW_DAYS - 1)
    m = t.movement
    rows = await conn.execute(
        sa.select(sa.func.date(m.c.created_at).label("on"), sa.func.sum(m.c.quantity).label("q"))
        .join(t.lot, t.lot.c.id == m.c.lot_id)
        .where(
            t.lot.c.item_code == item_code,
            m.c.kind.in_(OUTFLOWS),
            m.c.created_at >= since,
        )
        .group_by(sa.func.date(m.c.created_at))
    )
    demand = rules.daily_demand([(r.on, r.q) for r in rows], today=today)
    return demand.quantize(Decimal("0.000001"))
