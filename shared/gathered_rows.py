"""Insert-only rows gathered over a consumed batch's transaction and written at its end, one
statement per kind of row instead of one per event (``shared.consuming.apply_batch``).

Every statement a consumer runs per event is a round trip to PostgreSQL, and its CPU (the
driver's protocol work, the event loop's wake-ups) was the largest share of the orders
service under load (issue 14). A row that nothing in the transaction reads back — a
timeline entry — need not be written when its event is applied: ``insert`` keeps it, and
the end of ``gathered`` writes every kept row of one statement with one pipelined
``execute_many``, in the order they were kept. Outside ``gathered`` (an API call, an event
applied alone) ``insert`` writes at once.

Only for rows the same transaction never reads (nor counts, nor conflicts on): a row kept
is invisible until the end. Server defaults such as ``now()`` are the transaction's time,
so they read the same whenever the row is written.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.hot_sql import HotStatement

_GATHERED = "lotline.gathered_rows"


async def insert(conn: AsyncConnection, statement: HotStatement, row: Mapping[str, Any]) -> None:
    """Run ``statement`` with ``row``: at the end of the enclosing ``gathered``, else now."""
    kept: dict[HotStatement, list[Mapping[str, Any]]] | None = conn.info.get(_GATHERED)
    if kept is None:
        await statement.execute(conn, **row)
    else:
        kept.setdefault(statement, []).append(row)


@contextlib.asynccontextmanager
async def gathered(conn: AsyncConnection) -> AsyncIterator[None]:
    """Within: what ``insert`` is given is written at the end, one statement per kind. An
    exception inside writes nothing (its transaction rolls back anyway)."""
    kept: dict[HotStatement, list[Mapping[str, Any]]] = {}
    conn.info[_GATHERED] = kept
    try:
        yield
        for statement, rows in kept.items():
            await statement.execute_many(conn, rows)
    finally:
        conn.info.pop(_GATHERED, None)  # the pooled connection outlives the transaction
