"""Orders queries: rows in, plain values out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.orders import tables as t
from shared import search
from shared.contracts.connectors import InboundOrderReceived, OrderTotals
from shared.contracts.inventory import MaterialShortage, ReservedLot, Shortage
from shared.contracts.orders import OrderStatus, OrderStatusChanged
from shared.contracts.production import Demand, MissingMaterial, ProductionStatus
from shared.hot_sql import HotStatement, any_of, bound, unnest_rows

_ORDER_FIELDS = (
    "id",
    "channel",
    "shop",
    "external_id",
    "external_number",
    "status",
    "hold_reason",
    "currency",
    "customer",
    "placed_at",
    "requested_on",
    "is_test",
    "subtotal",
    "discounts",
    "shipping",
    "tax",
    "total",
)
_NEW_ORDER = (
    insert(t.order)
    .values(bound(*_ORDER_FIELDS))
    .on_conflict_do_nothing()
    .returning(*t.order.c)
    .cte("new_order")
)
# Its first history row, "received" from nothing, in the same statement (one round trip);
# only when the order was new (the CTE returns no row for one that exists).
_BORN = t.status_history.insert().from_select(
    ["order_id", "previous", "status", "reason"],
    sa.select(
        _NEW_ORDER.c.id,
        sa.cast(sa.null(), sa.Text),
        sa.literal(OrderStatus.RECEIVED.value, sa.Text),
        sa.cast(sa.null(), sa.Text),
    ),
)
_INSERT_ORDER = HotStatement(sa.select(_NEW_ORDER).add_cte(_BORN.cte("born")))
_LINE_FIELDS = (
    "order_id",
    "line_no",
    "external_line_id",
    "sku",
    "item_code",
    "title",
    "quantity",
    "unit",
    "unit_price",
    "currency",
    "mapping_key",
    "gross",
    "discount",
    "net",
)
_INSERT_LINE = HotStatement(t.line.insert().values(bound(*_LINE_FIELDS)))


async def insert_order(
    conn: AsyncConnection,
    order_id: UUID,
    inbound: InboundOrderReceived,
    *,
    status: OrderStatus,
    hold_reason: str | None,
) -> Any:
    """Insert once per (channel, external id): the new order's row, None when it already
    exists (so the caller need not read back what it just wrote). A new order's first
    history row (received, from nothing: ``domain.NewOrder.events``' first change) is
    written with it."""
    head = await _INSERT_ORDER.fetchrow(
        conn,
        id=order_id,
        channel=inbound.channel,
        shop=inbound.shop,
        external_id=inbound.external_id,
        external_number=inbound.external_number,
        status=status.value,
        hold_reason=hold_reason,
        currency=inbound.currency,
        customer=inbound.customer.model_dump(mode="json"),
        placed_at=inbound.placed_at,
        requested_on=inbound.requested_on,
        is_test=inbound.test,
        **_totals(inbound.totals),
    )
    if head is None:
        return None
    await _INSERT_LINE.execute_many(
        conn,
        [
            {
                "order_id": order_id,
                "line_no": no,
                "external_line_id": ln.external_line_id,
                "sku": ln.sku,
                "item_code": ln.item_code,
                "title": ln.title,
                "quantity": ln.quantity.value,
                "unit": ln.quantity.unit,
                "unit_price": ln.unit_price.amount if ln.unit_price else None,
                "currency": ln.unit_price.currency if ln.unit_price else None,
                "mapping_key": ln.mapping_key,
                "gross": ln.gross.amount if ln.gross else None,
                "discount": ln.discount.amount if ln.discount else None,
                "net": ln.net.amount if ln.net else None,
            }
            for no, ln in enumerate(inbound.lines, start=1)
        ],
    )
    return head


def _totals(totals: OrderTotals | None) -> dict[str, Decimal | None]:
    """The channel's own figures, kept exactly as reported (the order's currency)."""
    names = ("subtotal", "discounts", "shipping", "tax", "total")
    if totals is None:
        return dict.fromkeys(names)
    return {name: (m.amount if (m := getattr(totals, name)) else None) for name in names}


_EXISTS = HotStatement(sa.select(sa.literal(True)).where(t.order.c.id == sa.bindparam("id")))


async def order_exists(conn: AsyncConnection, order_id: UUID) -> bool:
    return await _EXISTS.fetchrow(conn, id=order_id) is not None


_HEAD_QUERY = sa.select(t.order).where(t.order.c.id == sa.bindparam("id"))
_HEAD = HotStatement(_HEAD_QUERY)
_HEAD_FOR_UPDATE = HotStatement(_HEAD_QUERY.with_for_update())


async def order_head(conn: AsyncConnection, order_id: UUID, *, lock: bool = False) -> Any:
    return await (_HEAD_FOR_UPDATE if lock else _HEAD).fetchrow(conn, id=order_id)


_SET_PROMISE = HotStatement(
    t.order.update()
    .where(t.order.c.id == sa.bindparam("order_id"))
    .values(promised_on=sa.bindparam("promised_on"), promise_reason=sa.bindparam("reason"))
    .values(updated_at=sa.func.now())
)


async def set_promise(
    conn: AsyncConnection, order_id: UUID, promised_on: date, reason: str
) -> None:
    await _SET_PROMISE.execute(conn, order_id=order_id, promised_on=promised_on, reason=reason)


_STATUS_FOR_UPDATE = HotStatement(
    sa.select(t.order.c.status).where(t.order.c.id == sa.bindparam("id")).with_for_update()
)


async def status_for_update(conn: AsyncConnection, order_id: UUID) -> OrderStatus | None:
    row = await _STATUS_FOR_UPDATE.fetchrow(conn, id=order_id)
    return None if row is None else OrderStatus(row.status)


_RESERVATION_FIELDS = (
    "order_id",
    "line_no",
    "item_code",
    "lot_code",
    "quantity",
    "unit",
    "expires_on",
)

_HISTORY_ROW = (
    t.status_history.insert().inline().values(bound("order_id", "previous", "status", "reason"))
)
_HISTORY = HotStatement(_HISTORY_ROW)
# The move and its history row in one statement (one round trip): PostgreSQL runs a
# data-modifying WITH to completion whether or not the INSERT reads it.
_MOVED = (
    t.order.update()
    .where(t.order.c.id == sa.bindparam("order_id"))
    .values(status=sa.bindparam("status"), hold_reason=sa.bindparam("hold_reason"))
    .values(updated_at=sa.func.now())
    .cte("moved")
)
_MOVE = HotStatement(_HISTORY_ROW.add_cte(_MOVED))
# The lots reserved for the move, one array per column, in the same statement.
_RESERVED = unnest_rows(
    line_nos=t.reservation.c.line_no,
    item_codes=t.reservation.c.item_code,
    lot_codes=t.reservation.c.lot_code,
    quantities=t.reservation.c.quantity,
    units=t.reservation.c.unit,
    expiries=t.reservation.c.expires_on,
)
_RESERVE = t.reservation.insert().from_select(
    list(_RESERVATION_FIELDS),
    sa.select(sa.bindparam("order_id", type_=t.reservation.c.order_id.type), *_RESERVED.c),
)
_MOVE_AND_RESERVE = HotStatement(_HISTORY_ROW.add_cte(_MOVED).add_cte(_RESERVE.cte("reserved")))


async def record_status(
    conn: AsyncConnection, change: OrderStatusChanged, *, reserved: Sequence[ReservedLot] = ()
) -> None:
    """Write the new status and its history row (the history is the order's audit trail);
    an order's first status is the one it was inserted with: only its history row.
    ``reserved``: the lots reserved for a move, stored with it (as ``save_reservations``
    would, in the same round trip)."""
    params: dict[str, Any] = {
        "order_id": change.order_id,
        "previous": change.previous.value if change.previous else None,
        "status": change.status.value,
        "reason": change.reason,
        "hold_reason": change.reason if change.status is OrderStatus.ON_HOLD else None,
    }
    if not reserved:
        await (_HISTORY if change.previous is None else _MOVE).execute(conn, **params)
        return
    if change.previous is None:
        raise ValueError("lots are reserved for a move, not for a new order's first status")
    await _MOVE_AND_RESERVE.execute(
        conn,
        **params,
        line_nos=[r.line_no for r in reserved],
        item_codes=[r.item_code for r in reserved],
        lot_codes=[r.lot_code for r in reserved],
        quantities=[r.quantity.value for r in reserved],
        units=[r.quantity.unit for r in reserved],
        expiries=[r.expires_on for r in reserved],
    )


_INSERT_RESERVATION = HotStatement(
    t.reservation.insert().inline().values(bound(*_RESERVATION_FIELDS))
)


async def save_reservations(
    conn: AsyncConnection, order_id: UUID, reservations: Sequence[ReservedLot]
) -> None:
    if reservations:
        await _INSERT_RESERVATION.execute_many(
            conn,
            [
                {
                    "order_id": order_id,
                    "line_no": r.line_no,
                    "item_code": r.item_code,
                    "lot_code": r.lot_code,
                    "quantity": r.quantity.value,
                    "unit": r.quantity.unit,
                    "expires_on": r.expires_on,
                }
                for r in reservations
            ],
        )


_SHORTAGE_FIELDS = ("order_id", "line_no", "item_code", "missing", "unit", "reason")
_INSERT_SHORTAGE = HotStatement(
    insert(t.shortage).values(bound(*_SHORTAGE_FIELDS)).on_conflict_do_nothing()
)


async def save_shortages(
    conn: AsyncConnection, order_id: UUID, shortages: Sequence[Shortage]
) -> None:
    await _INSERT_SHORTAGE.execute_many(
        conn,
        [
            {
                "order_id": order_id,
                "line_no": s.line_no,
                "item_code": s.item_code,
                "missing": s.missing.value,
                "unit": s.missing.unit,
                "reason": s.reason,
            }
            for s in shortages
        ],
    )


_PL = t.production_link
# The links it had are the ones it drops: one statement reads and removes them.
_UNLINK = HotStatement(
    _PL.delete()
    .where(_PL.c.production_order_id == sa.bindparam("production_order_id"))
    .returning(_PL.c.order_id)
)
_LINK_FIELDS = (
    "order_id",
    "line_no",
    "production_order_id",
    "production_number",
    "item_code",
    "quantity",
    "unit",
    "status",
    "material_shortages",
)
_LINK = HotStatement(insert(_PL).values(bound(*_LINK_FIELDS)).on_conflict_do_nothing())


async def replace_production_links(
    conn: AsyncConnection,
    *,
    production_order_id: UUID,
    item_code: str,
    status: str,
    demands: Sequence[Demand],
    shortages: Sequence[MaterialShortage] = (),
    number: str | None = None,
) -> set[UUID]:
    """The order lines a production order serves now, with its status; returns every
    order affected (served before or now). Links of orders we do not know are skipped."""
    unlinked = await _UNLINK.fetch(conn, production_order_id=production_order_id)
    before = {r.order_id for r in unlinked}
    known = await existing_order_ids(conn, [d.order_id for d in demands])
    material = [s.model_dump(mode="json") for s in shortages]
    await _LINK.execute_many(
        conn,
        [
            {
                "order_id": demand.order_id,
                "line_no": demand.line_no,
                "production_order_id": production_order_id,
                "production_number": number,
                "item_code": item_code,
                "quantity": demand.quantity.value,
                "unit": demand.quantity.unit,
                "status": status,
                "material_shortages": material,
            }
            for demand in demands
            if demand.order_id in known
        ],
    )
    return before | known


async def set_held_by_recall(conn: AsyncConnection, order_id: UUID, recall_id: UUID | None) -> None:
    await conn.execute(
        t.order.update().where(t.order.c.id == order_id).values(held_by_recall=recall_id)
    )


async def held_by_recall(conn: AsyncConnection, recall_id: UUID) -> list[UUID]:
    rows = await conn.execute(
        sa.select(t.order.c.id).where(t.order.c.held_by_recall == recall_id).order_by(t.order.c.id)
    )
    return [r.id for r in rows]


async def status_before_hold(conn: AsyncConnection, order_id: UUID) -> OrderStatus | None:
    """The status the order had when it last went on hold."""
    h = t.status_history
    row = (
        await conn.execute(
            sa.select(h.c.previous)
            .where(h.c.order_id == order_id, h.c.status == OrderStatus.ON_HOLD.value)
            .order_by(h.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None or row.previous is None else OrderStatus(row.previous)


_SET_MISSING = HotStatement(
    t.order.update()
    .where(t.order.c.id == sa.bindparam("order_id"))
    .values(missing_materials=sa.bindparam("missing"))
    .values(updated_at=sa.func.now())
)


async def set_missing_materials(
    conn: AsyncConnection, order_id: UUID, missing: Sequence[MissingMaterial]
) -> None:
    await _SET_MISSING.execute(
        conn, order_id=order_id, missing=[m.model_dump(mode="json") for m in missing]
    )


def missing_materials_of(head: Any) -> tuple[MissingMaterial, ...] | None:
    """What production last said the order's production lacks; None before it said."""
    if head.missing_materials is None:
        return None
    return tuple(MissingMaterial.model_validate(m) for m in head.missing_materials)


_PRODUCTION_STATUSES = HotStatement(
    sa.select(t.production_link.c.status).where(
        t.production_link.c.order_id == sa.bindparam("order_id")
    )
)


async def production_statuses(conn: AsyncConnection, order_id: UUID) -> list[ProductionStatus]:
    rows = await _PRODUCTION_STATUSES.fetch(conn, order_id=order_id)
    return [ProductionStatus(r.status) for r in rows]


async def clear_shortages(conn: AsyncConnection, order_id: UUID) -> None:
    await conn.execute(t.shortage.delete().where(t.shortage.c.order_id == order_id))


async def drop_reservations(conn: AsyncConnection, order_id: UUID) -> None:
    await conn.execute(t.reservation.delete().where(t.reservation.c.order_id == order_id))


_EXISTING = HotStatement(sa.select(t.order.c.id).where(any_of(t.order.c.id, "ids")))


async def existing_order_ids(conn: AsyncConnection, ids: Sequence[UUID]) -> set[UUID]:
    rows = await _EXISTING.fetch(conn, ids=list(ids))
    return {r.id for r in rows}


def _order_filter(
    *,
    channel: str | None,
    external_id: str | None,
    statuses: Sequence[str],
    due_by: date | None = None,
    q: str | None = None,
) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if q is not None and q.strip():  # what a person types: number, customer, id
        o = t.order.c
        where.append(
            sa.or_(
                search.starts_with(o.external_number, q),
                search.starts_with(o.external_number, "#" + q.strip().lstrip("#")),
                o.external_id == q.strip(),
                search.contains(o.customer["name"].astext, q),
                search.contains(o.customer["email"].astext, q),
                search.starts_with(sa.cast(o.id, sa.Text), q),
            )
        )
    if due_by is not None:  # due: promised on or before, or never given a date
        where.append(sa.or_(t.order.c.promised_on.is_(None), t.order.c.promised_on <= due_by))
    if channel is not None:
        where.append(t.order.c.channel == channel)
    if external_id is not None:
        where.append(t.order.c.external_id == external_id)
    if statuses:
        where.append(t.order.c.status.in_(statuses))
    return where


async def find_order_ids(
    conn: AsyncConnection,
    *,
    channel: str | None,
    external_id: str | None,
    statuses: Sequence[str] = (),
    limit: int,
    offset: int = 0,
    by_promise: bool = False,
    due_by: date | None = None,
    q: str | None = None,
) -> list[UUID]:
    """Newest first, or (``by_promise``) the earliest promised date first, unpromised last."""
    order_by = (
        (t.order.c.promised_on.asc().nulls_last(), t.order.c.created_at)
        if by_promise
        else (t.order.c.created_at.desc(),)
    )
    where = _order_filter(
        channel=channel, external_id=external_id, statuses=statuses, due_by=due_by, q=q
    )
    query = sa.select(t.order.c.id).where(*where).order_by(*order_by, t.order.c.id)
    return [r.id for r in await conn.execute(query.limit(limit).offset(offset))]


async def count_orders(
    conn: AsyncConnection,
    *,
    channel: str | None,
    external_id: str | None,
    statuses: Sequence[str],
    due_by: date | None = None,
    q: str | None = None,
) -> int:
    """How many orders a listing's filter matches, so a page can say "1–25 of 312"."""
    where = _order_filter(
        channel=channel, external_id=external_id, statuses=statuses, due_by=due_by, q=q
    )
    query = sa.select(sa.func.count()).select_from(t.order).where(*where)
    return int((await conn.execute(query)).scalar_one())


async def load_order(conn: AsyncConnection, order_id: UUID) -> dict[str, Any] | None:
    """The order with its lines, reservations, shortages, production links and history."""
    head = (await conn.execute(sa.select(t.order).where(t.order.c.id == order_id))).first()
    if head is None:
        return None

    async def rows(table: sa.Table, *order_by: Any) -> list[dict[str, Any]]:
        result = await conn.execute(
            sa.select(table).where(table.c.order_id == order_id).order_by(*order_by)
        )
        return [dict(r._mapping) for r in result]

    missing = missing_materials_of(head)
    return {
        **head._asdict(),
        "missing_materials": None
        if missing is None
        else [
            {
                **m.model_dump(exclude={"missing"}),
                "missing": None if m.missing is None else m.missing.value,
                "unit": None if m.missing is None else m.missing.unit,
            }
            for m in missing
        ],
        "lines": await rows(t.line, t.line.c.line_no),
        "reservations": await rows(t.reservation, t.reservation.c.line_no, t.reservation.c.id),
        "shortages": await rows(t.shortage, t.shortage.c.line_no),
        "production_orders": await rows(t.production_link, t.production_link.c.line_no),
        "history": await rows(t.status_history, t.status_history.c.id),
    }


async def open_order_rows(conn: AsyncConnection, statuses: Sequence[str]) -> list[Any]:
    """Every open, non-test order with how often its promise slipped: the exceptions are
    counted over all of them, never a sample (DESIGN invariant 7)."""
    slips = (
        sa.select(sa.func.count())
        .select_from(t.channel_event)
        .where(
            t.channel_event.c.order_id == t.order.c.id,
            t.channel_event.c.kind == "promise.slipped",
        )
        .scalar_subquery()
        .label("slips")
    )
    query = (
        sa.select(
            t.order.c.id,
            t.order.c.channel,
            t.order.c.shop,
            t.order.c.external_id,
            t.order.c.external_number,
            t.order.c.customer,
            t.order.c.status,
            t.order.c.hold_reason,
            t.order.c.requested_on,
            t.order.c.promised_on,
            t.order.c.promise_reason,
            t.order.c.missing_materials,
            t.order.c.created_at,
            slips,
        )
        .where(t.order.c.status.in_(statuses), sa.not_(t.order.c.is_test))
        .order_by(t.order.c.promised_on.asc().nulls_last(), t.order.c.created_at, t.order.c.id)
    )
    return list(await conn.execute(query))
