"""The genealogy graph in PostgreSQL: facts merged in, and one recursive query per trace."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.trace import tables as t
from services.trace.genealogy import Facts, NodeFact, lot_key
from services.trace.tracing import Direction, TraceRow

_MERGED = ("item_code", "quantity", "unit", "happened_on", "label", "detail")


def _node_row(fact: NodeFact) -> dict[str, Any]:
    return {
        "key": fact.key,
        "kind": fact.kind.value,
        "code": fact.code,
        "item_code": fact.item_code,
        "quantity": fact.quantity,
        "unit": fact.unit,
        "happened_on": fact.happened_on,
        "label": fact.label,
        "detail": fact.detail,
    }


async def apply(conn: AsyncConnection, facts: Facts) -> None:
    """Merge the facts: a node's known columns are kept, unknown ones filled in; an edge
    is written once; a lot's stock moves only to a higher revision."""
    if facts.nodes:
        rows = sorted((_node_row(n) for n in facts.nodes), key=lambda r: r["key"])
        stmt = insert(t.node).values(rows)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[t.node.c.key],
                set_={
                    c: sa.func.coalesce(getattr(stmt.excluded, c), getattr(t.node.c, c))
                    for c in _MERGED
                },
            )
        )
    if facts.edges:
        await conn.execute(
            insert(t.edge)
            .values(
                [
                    {
                        "source_key": e.source_key,
                        "target_key": e.target_key,
                        "quantity": e.quantity,
                        "unit": e.unit,
                        "happened_on": e.happened_on,
                    }
                    for e in facts.edges
                ]
            )
            .on_conflict_do_nothing()
        )
    for stock in facts.stock:
        await conn.execute(
            t.node.update()
            .where(
                t.node.c.key == lot_key(stock.lot_code),
                sa.or_(
                    t.node.c.on_hand_revision.is_(None),
                    t.node.c.on_hand_revision < stock.revision,
                ),
            )
            .values(on_hand=stock.on_hand, unit=stock.unit, on_hand_revision=stock.revision)
        )


_WALK = {
    Direction.FORWARD: ("source_key", "target_key"),
    Direction.BACKWARD: ("target_key", "source_key"),
}


def trace_query(direction: Direction) -> sa.TextClause:
    """Every node reachable from ``:start`` and every edge among them, in one statement:
    a recursive CTE over the edge index of that direction. ``UNION`` on the key alone
    expands each node once, so diamonds cost nothing extra and a cycle cannot loop."""
    near, far = _WALK[direction]
    return sa.text(
        f"""
        WITH RECURSIVE reached(key) AS (
            SELECT CAST(:start AS text)
          UNION
            SELECT e.{far} FROM reached r JOIN trace_edge e ON e.{near} = r.key
        )
        SELECT n.key, n.kind, n.code, n.item_code, n.quantity, n.unit, n.on_hand,
               n.happened_on, n.label, n.detail,
               e.source_key, e.target_key, e.quantity AS edge_quantity, e.unit AS edge_unit,
               e.happened_on AS edge_on
        FROM reached r
        JOIN trace_node n ON n.key = r.key
        LEFT JOIN trace_edge e ON e.{near} = r.key
        """
    )


async def trace(conn: AsyncConnection, start: str, direction: Direction) -> list[TraceRow]:
    rows = await conn.execute(trace_query(direction), {"start": start})
    return [TraceRow(*row) for row in rows]  # the columns are in the fields' order


READ_MODEL = (t.node, t.edge)
