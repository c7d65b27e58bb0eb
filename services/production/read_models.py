"""Production's copies of inventory's items and lots, fed by inventory events.

They are eventual: an item defined in inventory is known here once its ``ItemDefined`` has
been consumed (normally well under a second), and a lot's quantities and status (available,
blocked by a recall, quarantined) are those of the newest ``LotChanged`` seen. Recipes are
validated, and availability computed, against these copies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.production import tables as t
from services.production.production_orders import completion_rules
from services.production.recipes import recipe_rules
from shared.consuming import Delivery, UseCase
from shared.contracts.inventory import ItemDefined, LotChanged, LotStatus
from shared.hot_sql import HotStatement, any_of, unnest_rows
from shared.units import Quantity, UnitError, convert

log = logging.getLogger(__name__)


async def when_item_defined(tx: Delivery, event: ItemDefined) -> None:
    """The newest master data wins: recipes and lead times use it from now on."""
    await upsert_item(tx.conn, event)


def lot_snapshots(when_kept: Callable[[AsyncConnection], None]) -> UseCase:
    """The use case of ``LotChanged``: keep the highest revision of each lot, a stale
    snapshot arriving late ignored. A reservation changes several lots, so a consumed
    batch's snapshots are kept together at the end of its transaction, one statement for
    all (nothing in a consumer's transaction reads the lots); ``when_kept`` is told, in
    the transaction, when any was newer than the one stored (the plan reads lots: the
    re-plan's mark), never for stale ones only."""

    async def when_lot_changed(tx: Delivery, event: LotChanged) -> None:
        tx.once_before_commit(_SNAPSHOTS, _Snapshots(tx.conn, when_kept)).note(event)

    return when_lot_changed


_SNAPSHOTS = "production: lot snapshots of the transaction"


@dataclass
class _Snapshots:
    """The newest snapshot of each lot the events of one transaction announced."""

    conn: AsyncConnection
    when_kept: Callable[[AsyncConnection], None]
    newest: dict[str, LotChanged] = field(default_factory=dict)

    def note(self, event: LotChanged) -> None:
        known = self.newest.get(event.lot_code)
        if known is None or event.revision > known.revision:
            self.newest[event.lot_code] = event

    async def __call__(self) -> None:
        lots = [self.newest[code] for code in sorted(self.newest)]  # rows locked in key order
        kept = await _KEEP_NEWEST_OF_ALL.fetch(
            self.conn,
            lot_codes=[e.lot_code for e in lots],
            item_codes=[e.item_code for e in lots],
            on_hands=[e.on_hand.value for e in lots],
            reserveds=[convert(e.reserved, e.on_hand.unit).value for e in lots],
            units=[e.on_hand.unit for e in lots],
            expires=[e.expires_on for e in lots],
            revisions=[e.revision for e in lots],
            statuses=[e.status.value for e in lots],
        )
        if kept:
            self.when_kept(self.conn)
        else:
            log.debug("lot snapshots %s are stale; kept the newer ones", sorted(self.newest))


# --- queries -------------------------------------------------------------------------------


async def upsert_item(conn: AsyncConnection, event: ItemDefined) -> None:
    values = {
        "code": event.code,
        "name": event.name,
        "kind": event.kind,
        "base_unit": event.base_unit,
        "shelf_life_days": event.shelf_life_days,
        "supplier": event.supplier,
        "lead_time_days": event.lead_time_days,
    }
    statement = insert(t.item).values(**values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[t.item.c.code],
            set_={
                **{k: statement.excluded[k] for k in values if k != "code"},
                "updated_at": sa.func.now(),
            },
        )
    )


# Every snapshot of a batch in one statement (one row per lot), each stored only when its
# revision is higher than the stored one's (``shared.snapshots.keep_newest``, for many rows).
_LOT_COLUMNS = (
    "lot_code", "item_code", "on_hand", "reserved", "unit", "expires_on", "revision", "status",
)  # fmt: skip
_SNAPSHOT_ROWS = insert(t.lot).from_select(
    list(_LOT_COLUMNS),
    sa.select(
        unnest_rows(
            lot_codes=t.lot.c.lot_code,
            item_codes=t.lot.c.item_code,
            on_hands=t.lot.c.on_hand,
            reserveds=t.lot.c.reserved,
            units=t.lot.c.unit,
            expires=t.lot.c.expires_on,
            revisions=t.lot.c.revision,
            statuses=t.lot.c.status,
        )
    ),
)
_KEEP_NEWEST_OF_ALL = HotStatement(
    _SNAPSHOT_ROWS.on_conflict_do_update(
        index_elements=[t.lot.c.lot_code],
        set_={
            **{name: _SNAPSHOT_ROWS.excluded[name] for name in _LOT_COLUMNS if name != "lot_code"},
            "updated_at": sa.func.now(),
        },
        where=t.lot.c.revision < _SNAPSHOT_ROWS.excluded.revision,
    ).returning(t.lot.c.lot_code)
)


_ITEM_INFOS = HotStatement(sa.select(t.item.c.code, t.item.c.base_unit, t.item.c.kind))


_ITEM_INFOS_OF = HotStatement(
    sa.select(t.item.c.code, t.item.c.base_unit, t.item.c.kind).where(
        any_of(t.item.c.code, "codes")
    )
)
_LEAD_TIMES = HotStatement(
    sa.select(t.item.c.code, t.item.c.lead_time_days).where(any_of(t.item.c.code, "codes"))
)


async def item_infos(
    conn: AsyncConnection, codes: Iterable[str] | None = None
) -> dict[str, recipe_rules.ItemInfo]:
    """Every item production knows of, or only those of ``codes`` (an unknown one is
    simply absent, as it is from the whole table)."""
    if codes is None:
        rows = await _ITEM_INFOS.fetch(conn)
    else:
        wanted = sorted(set(codes))
        rows = await _ITEM_INFOS_OF.fetch(conn, codes=wanted) if wanted else []
    return {
        r.code: recipe_rules.ItemInfo(code=r.code, base_unit=r.base_unit, kind=r.kind) for r in rows
    }


async def lead_times(conn: AsyncConnection, codes: Iterable[str]) -> dict[str, int | None]:
    """Each known item's lead time in days (None when it has none)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {r.code: r.lead_time_days for r in await _LEAD_TIMES.fetch(conn, codes=wanted)}


async def item(conn: AsyncConnection, code: str) -> sa.Row[Any] | None:
    return (await conn.execute(sa.select(t.item).where(t.item.c.code == code))).first()


async def items(conn: AsyncConnection, codes: Iterable[str]) -> dict[str, sa.Row[Any]]:
    rows = await conn.execute(sa.select(t.item).where(t.item.c.code.in_(sorted(set(codes)))))
    return {r.code: r for r in rows}


_AVAILABLE = HotStatement(
    sa.select(
        t.lot.c.item_code,
        t.lot.c.unit,
        t.lot.c.status,
        sa.func.sum(t.lot.c.on_hand - t.lot.c.reserved).label("available"),
    ).group_by(t.lot.c.item_code, t.lot.c.unit, t.lot.c.status)
)


async def available_by_item(
    conn: AsyncConnection, base_units: dict[str, str]
) -> dict[str, Decimal]:
    """Σ(on hand − reserved) of each item's lots whose status counts, in the item's base
    unit: a recalled or quarantined lot feeds no quote and no can-make (invariant 8)."""
    rows = await _AVAILABLE.fetch(conn)
    result: dict[str, Decimal] = {}
    for r in rows:
        if not LotStatus(r.status).counts:
            continue
        unit = base_units.get(r.item_code, r.unit)
        try:
            value = convert(Quantity.of(r.available, r.unit), unit).value
        except UnitError:
            continue  # a lot counted in a unit its item cannot be: not usable stock
        result[r.item_code] = result.get(r.item_code, Decimal(0)) + value
    return result


async def lots_by_code(
    conn: AsyncConnection, codes: Iterable[str]
) -> dict[str, completion_rules.LotSeen]:
    rows = await conn.execute(sa.select(t.lot).where(t.lot.c.lot_code.in_(sorted(set(codes)))))
    return {
        r.lot_code: completion_rules.LotSeen(
            lot_code=r.lot_code,
            item_code=r.item_code,
            on_hand=r.on_hand,
            reserved=r.reserved,
            unit=r.unit,
            expires_on=r.expires_on,
        )
        for r in rows
    }
