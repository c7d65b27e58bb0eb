"""Minimum remaining shelf-life rules: set, list and delete them, and find the one an order
is bound by. The rules themselves are pure (``shelf_life_rules``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.inventory import tables as t
from services.inventory.errors import NotFound
from services.inventory.reservations.shelf_life_rules import (
    Scope,
    ShelfLifeRule,
    normalise_key,
    parse_fraction,
    rule_for_order,
)
from shared.contracts.orders import OrderReceived
from shared.hot_sql import HotStatement, any_of


def _rule(row: Any) -> ShelfLifeRule:
    return ShelfLifeRule(
        scope=Scope(row.scope),
        key=row.key,
        min_days=row.min_days,
        min_fraction=None if row.min_fraction is None else parse_fraction(row.min_fraction),
    )


def new_rule(
    scope: Scope, key: str, *, min_days: int | None, min_fraction: str | None
) -> ShelfLifeRule:
    """A rule from what a person typed; InvalidRule says what is wrong."""
    return ShelfLifeRule(
        scope=scope,
        key=normalise_key(scope, key),
        min_days=min_days,
        min_fraction=None if min_fraction is None else parse_fraction(min_fraction),
    )


async def set_rule(engine: AsyncEngine, rule: ShelfLifeRule) -> ShelfLifeRule:
    """Create or replace the rule of one channel or customer. Orders already reserved keep
    the rule they were reserved under."""
    values = rule.as_json()
    async with engine.begin() as conn:
        await conn.execute(
            insert(t.shelf_life_rule)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["scope", "key"],
                set_={
                    "min_days": values["min_days"],
                    "min_fraction": values["min_fraction"],
                    "updated_at": sa.func.now(),
                },
            )
        )
    return rule


async def list_rules(engine: AsyncEngine) -> list[ShelfLifeRule]:
    async with engine.connect() as conn:
        return await all_rules(conn)


async def all_rules(conn: AsyncConnection) -> list[ShelfLifeRule]:
    rows = await conn.execute(
        sa.select(t.shelf_life_rule).order_by(t.shelf_life_rule.c.scope, t.shelf_life_rule.c.key)
    )
    return [_rule(r) for r in rows]


async def delete_rule(engine: AsyncEngine, scope: Scope, key: str) -> None:
    async with engine.begin() as conn:
        deleted = await conn.execute(
            sa.delete(t.shelf_life_rule).where(
                t.shelf_life_rule.c.scope == scope.value,
                t.shelf_life_rule.c.key == normalise_key(scope, key),
            )
        )
    if deleted.rowcount == 0:
        raise NotFound(f"no shelf-life rule for {scope.value} {key}")


_RULES_FOR = HotStatement(
    sa.select(t.shelf_life_rule).where(
        sa.or_(
            sa.and_(
                t.shelf_life_rule.c.scope == Scope.CUSTOMER.value,
                any_of(t.shelf_life_rule.c.key, "customers"),
            ),
            sa.and_(
                t.shelf_life_rule.c.scope == Scope.CHANNEL.value,
                t.shelf_life_rule.c.key == sa.bindparam("channel", type_=sa.Text),
            ),
        )
    )
)


async def rule_for(conn: AsyncConnection, event: OrderReceived) -> ShelfLifeRule | None:
    """The rule in force for this order now: its customer's, else its channel's (only the
    rules that could apply are read)."""
    customers = [
        normalise_key(Scope.CUSTOMER, who)
        for who in (event.customer_email, event.customer_name)
        if who and who.strip()
    ]
    channel = normalise_key(Scope.CHANNEL, event.channel) if event.channel.strip() else None
    if not customers and channel is None:
        return None
    rows = await _RULES_FOR.fetch(conn, customers=customers, channel=channel)
    return rule_for_order(
        [_rule(r) for r in rows],
        channel=event.channel,
        customer_email=event.customer_email,
        customer_name=event.customer_name,
    )


async def rules_of_orders(
    conn: AsyncConnection, order_ids: Sequence[UUID]
) -> dict[UUID, ShelfLifeRule]:
    """The rule each order was reserved under (orders without one are left out)."""
    if not order_ids:
        return {}
    rows = await conn.execute(
        sa.select(t.order_request.c.order_id, t.order_request.c.shelf_life).where(
            t.order_request.c.order_id.in_(sorted(set(order_ids))),
            t.order_request.c.shelf_life.is_not(None),
        )
    )
    return {
        r.order_id: ShelfLifeRule.from_json(r.shelf_life) for r in rows if r.shelf_life is not None
    }
