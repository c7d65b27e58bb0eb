"""Customer orders' promised dates, kept current by re-planning and published when they move.

A re-plan reads the open production as it stands (``open_production``), schedules it with the
same pure code as quotes (``plan_rules``) and publishes ``OrderPromised`` for each customer
order whose date is new or different from the one last published. The same plan publishes
nothing. It runs in a background loop, woken (and debounced by ``REPLAN_SETTLE_SECONDS``)
after each committed transaction marked ``PLAN_CHANGED`` (every event production consumes)
and after each successful change through production's API, so it follows whatever changed
the plan: orders arriving, materials answered or received, purchase orders, production
completed or cancelled, line capacity. ``REPLAN_INTERVAL_SECONDS`` is only the fallback (a
new day, a change made elsewhere). One re-plan at a time (an advisory lock), so two never
publish the same change.

A later date (a slip, which customers are e-mailed about) is published only once the plan
has kept it for a moment (``slip_rules``): production's read models follow inventory
through separate events, and a re-plan between two of them must not announce a slip no real
change supports.

Orders served wholly from stock are promised once, when inventory reserves them
(``stock_promises``): stock, then handling and carrier transit. An order whose production is
all completed keeps its last date.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import sqlalchemy as sa
from prometheus_client.core import CounterMetricFamily, Metric
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.production import tables as t
from services.production.capacity import lines
from services.production.capacity.calendar_rules import WorkingCalendar
from services.production.promise import customer_orders, material_wait_rules, missing_materials
from services.production.promise.open_production import open_productions
from services.production.promise.plan_rules import promise_with_open_production
from services.production.promise.slip_rules import CONFIRM_SECONDS, PendingSlips
from services.production.service import publish
from shared import wakeups
from shared.contracts.production import OrderPromised
from shared.hot_sql import HotStatement, any_of, bound
from shared.polling import PollingWorker
from shared.settings import PromiseSettings

log = logging.getLogger(__name__)

REPLAN_INTERVAL_SECONDS = 30.0
REPLAN_SETTLE_SECONDS = 0.25
# Under load every consumed event wakes the re-plan; resting this many times as long as the
# last re-plan took keeps it to a quarter of the event loop however many orders are open.
REST_PER_REPLAN = 3.0
LONGEST_REST_SECONDS = 10.0
PLAN_CHANGED = "production re-plan"  # the mark (``shared.wakeups``) that wakes the re-plan
SITE_CALENDAR = WorkingCalendar()


def today_utc() -> date:
    return datetime.now(UTC).date()


async def replan(
    engine: AsyncEngine,
    *,
    today: date,
    terms: PromiseSettings | None = None,
    slips: PendingSlips | None = None,
) -> int:
    """Promise every customer order the open production serves; publish what changed (with
    ``slips``, a later date only once the plan has kept it: ``slip_rules``)."""
    async with engine.begin() as conn:
        await _ONE_AT_A_TIME.execute(conn)
        productions = await open_productions(conn)
        await missing_materials.record_missing(
            conn,
            material_wait_rules.missing_by_order(productions, today=today, calendar=SITE_CALENDAR),
        )
        if not productions:
            return 0
        codes = {p.line for p in productions if p.line is not None}
        scheduled = await lines.load_lines(conn, codes)
        settings = terms or PromiseSettings()
        served = {order_id for p in productions for order_id in p.serves}
        plan = promise_with_open_production(
            (),
            [p for p in productions if p.line is None or p.line in scheduled],
            today=today,
            calendar=SITE_CALENDAR,
            lines=list(scheduled.values()),
            handling_days=settings.handling_days,
            transit_days=settings.transit_days,
            terms_of=await customer_orders.terms_of(conn, served, settings),
        )
        for order_id, why in sorted(plan.unpromisable.items()):
            log.info("order %s cannot be promised: %s", order_id, why)
        dates = {o: (p.promised_on, p.dominant) for o, p in plan.orders.items()}
        stored = await _stored(conn, list(dates))  # read once: ``record`` compares with it too
        if slips is not None:
            planned = {o: promised_on for o, (promised_on, _) in dates.items()}
            ready = slips.publishable(stored, planned, now=time.monotonic())
            dates = {o: d for o, d in dates.items() if o in ready}
        return await record(conn, dates, stored=stored)


_ONE_AT_A_TIME = HotStatement(
    sa.select(
        sa.func.pg_advisory_xact_lock(sa.func.hashtext(sa.literal("production:replan", sa.Text)))
    )
)


async def record(
    conn: AsyncConnection,
    dates: Mapping[UUID, tuple[date, str]],
    *,
    stored: Mapping[UUID, date] | None = None,
) -> int:
    """Store and publish the dates that differ from those last published (``stored``: as
    read in this transaction, if the caller has), in one pipelined write; how many did."""
    if stored is None:
        stored = await _stored(conn, list(dates))
    saved = []
    events = []
    for order_id, (promised_on, reason) in sorted(dates.items(), key=lambda kv: str(kv[0])):
        previous = stored.get(order_id)
        if previous is not None and previous == promised_on:
            continue
        saved.append({"order_id": order_id, "promised_on": promised_on, "reason": reason})
        events.append(
            OrderPromised(
                order_id=order_id,
                promised_on=promised_on,
                reason=reason,
                previous_promised_on=previous,
            )
        )
    await _SAVE_PROMISE.execute_many(conn, saved)
    await publish(conn, events)
    return len(events)


_STORED = HotStatement(
    sa.select(t.order_promise.c.order_id, t.order_promise.c.promised_on).where(
        any_of(t.order_promise.c.order_id, "ids")
    )
)


async def _stored(conn: AsyncConnection, order_ids: list[UUID]) -> dict[UUID, date]:
    if not order_ids:
        return {}
    rows = await _STORED.fetch(conn, ids=order_ids)
    return {row.order_id: row.promised_on for row in rows}


def _save_promise() -> HotStatement:
    statement = insert(t.order_promise).values(bound("order_id", "promised_on", "reason"))
    return HotStatement(
        statement.on_conflict_do_update(
            index_elements=[t.order_promise.c.order_id],
            set_={
                "promised_on": statement.excluded.promised_on,
                "reason": statement.excluded.reason,
                "updated_at": sa.func.now(),
            },
        )
    )


_SAVE_PROMISE = _save_promise()


def rest_after(spent_seconds: float) -> float:
    """How long the re-plan rests after one that took ``spent_seconds``."""
    return min(REST_PER_REPLAN * max(spent_seconds, 0.0), LONGEST_REST_SECONDS)


@dataclass
class Passes:
    """Re-plan passes begun and finished (``/metrics``): a pass begun after a moment is
    over once ``completed`` passes the ``started`` count read at that moment."""

    started: int = 0
    completed: int = 0

    @property
    def name(self) -> str:
        return "promise_replans"

    async def collect(self) -> Iterable[Metric]:
        begun = CounterMetricFamily(
            "lotline_promise_replans_started", "Promise re-plan passes begun"
        )
        begun.add_metric([], float(self.started))
        done = CounterMetricFamily(
            "lotline_promise_replans_completed", "Promise re-plan passes finished"
        )
        done.add_metric([], float(self.completed))
        return [begun, done]


class Replanner(PollingWorker):
    """The background loop that keeps promises current; ``wake()`` re-plans shortly."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        interval: float = REPLAN_INTERVAL_SECONDS,
        settle: float = REPLAN_SETTLE_SECONDS,
        today: Callable[[], date] = today_utc,
        terms: PromiseSettings | None = None,
    ) -> None:
        super().__init__(name="promise re-plan", batch_size=1, interval=interval, settle=settle)
        self._engine = engine
        wakeups.wake_after_commit(engine, PLAN_CHANGED, self.wake)
        self._today = today
        self._terms = terms
        self._slips = PendingSlips()
        self.passes = Passes()

    async def step(self) -> int:
        started = time.monotonic()
        self.passes.started += 1
        await replan(self._engine, today=self._today(), terms=self._terms, slips=self._slips)
        self.passes.completed += 1
        if self._slips.waiting:  # look again once a slip has had time to be confirmed
            asyncio.get_running_loop().call_later(CONFIRM_SECONDS, self.wake)
        await asyncio.sleep(rest_after(time.monotonic() - started))
        return 0  # never "a full batch": wait for the next wake or interval
