"""Orders served wholly from stock, promised once when inventory reserves them
(``StockReserved``): the shop's handling, then the carrier service's transit, from today.

Most orders are served this way, so the orders of a consumed batch are promised together at
the end of its transaction (``Delivery.once_before_commit``): their terms read in one
statement, their dates stored in one that keeps a date already stored (``ON CONFLICT DO
NOTHING``: an order the re-plan or an earlier reservation promised keeps its date), and
``OrderPromised`` published, caused by its own ``StockReserved``, for the orders stored
now only. Reserving from stock changes no production, so it does not wake the re-plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.promise import customer_orders
from services.production.promise.date_rules import LineNeed, line_promise
from services.production.promise.term_rules import terms_for
from shared.consuming import Delivery
from shared.contracts.inventory import StockReserved
from shared.contracts.production import OrderPromised
from shared.hot_sql import HotStatement, unnest_rows
from shared.settings import PromiseSettings

_PROMISE_FIRST = HotStatement(
    insert(t.order_promise)
    .from_select(
        ["order_id", "promised_on", "reason"],
        sa.select(
            unnest_rows(
                order_ids=t.order_promise.c.order_id,
                dates=t.order_promise.c.promised_on,
                reasons=t.order_promise.c.reason,
            )
        ),
    )
    .on_conflict_do_nothing()
    .returning(t.order_promise.c.order_id)
)
_RESERVED = "production: orders reserved from stock in the transaction"


def promise_from_stock(
    tx: Delivery,
    event: StockReserved,
    *,
    terms: PromiseSettings,
    today: date,
    calendar: WorkingCalendar,
) -> None:
    """Note the order for its promise at the end of the transaction (first reservation of
    an order in it wins)."""
    pending = tx.once_before_commit(
        _RESERVED, _Reserved(tx.conn, terms=terms, today=today, calendar=calendar)
    )
    pending.by_order.setdefault(event.order_id, tx)


@dataclass
class _Reserved:
    """The orders one consumed transaction reserved from stock, each with its delivery."""

    conn: AsyncConnection
    terms: PromiseSettings
    today: date
    calendar: WorkingCalendar
    by_order: dict[UUID, Delivery] = field(default_factory=dict)

    async def __call__(self) -> None:
        own = await customer_orders.terms_of(self.conn, self.by_order, self.terms)
        dates: dict[UUID, tuple[date, str]] = {}
        for order_id in self.by_order:
            found = own.get(order_id) or terms_for(self.terms)
            need = LineNeed(
                line_no=1,
                in_stock=True,
                handling_days=found.handling_days,
                transit_days=found.transit_days,
            )
            promise = line_promise(need, today=self.today, calendar=self.calendar)
            dates[order_id] = (promise.promised_on, promise.dominant)
        stored = await _PROMISE_FIRST.fetch(
            self.conn,
            order_ids=list(dates),
            dates=[promised_on for promised_on, _ in dates.values()],
            reasons=[reason for _, reason in dates.values()],
        )
        for order_id in sorted((row.order_id for row in stored), key=str):
            promised_on, reason = dates[order_id]
            await self.by_order[order_id].publish(
                [OrderPromised(order_id=order_id, promised_on=promised_on, reason=reason)]
            )
