"""The genealogy graph in PostgreSQL: facts merged in, and one recursive query per trace."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.trace import tables as t
from services.trace.genealogy import Facts, Kind, NodeFact, lot_key
from services.trace.tracing import Direction, Edge, Node
from shared.hot_sql import HotStatement, bound

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


_NODE_FIELDS = ("key", "kind", "code", *_MERGED)
_EDGE_FIELDS = ("source_key", "target_key", "quantity", "unit", "happened_on")


def _node_upsert() -> HotStatement:
    stmt = insert(t.node).values(bound(*_NODE_FIELDS))
    return HotStatement(
        stmt.on_conflict_do_update(
            index_elements=[t.node.c.key],
            set_={
                c: sa.func.coalesce(getattr(stmt.excluded, c), getattr(t.node.c, c))
                for c in _MERGED
            },
        )
    )


# Compiled once and run with each batch's rows, pipelined in one round trip (asyncpg's
# executemany). Only the columns a fact carries are bound: the others (a node's stock)
# are left as they are.
NODE_UPSERT = _node_upsert()
EDGE_INSERT = HotStatement(insert(t.edge).values(bound(*_EDGE_FIELDS)).on_conflict_do_nothing())
STOCK_UPDATE = HotStatement(
    t.node.update()
    .where(
        t.node.c.key == sa.bindparam("lot_key"),
        sa.or_(
            t.node.c.on_hand_revision.is_(None),
            t.node.c.on_hand_revision < sa.bindparam("revision"),
        ),
    )
    .values(
        on_hand=sa.bindparam("stock_on_hand"),
        unit=sa.bindparam("stock_unit"),
        on_hand_revision=sa.bindparam("revision"),
    )
)


async def apply(conn: AsyncConnection, facts: Facts) -> None:
    """Merge the facts: a node's known columns are kept, unknown ones filled in; an edge
    is written once; a lot's stock moves only to a higher revision. Rows go in key order,
    so two transactions merging the same nodes take their locks in the same order."""
    if facts.nodes:
        rows = sorted((_node_row(n) for n in facts.nodes), key=lambda r: r["key"])
        await NODE_UPSERT.execute_many(conn, rows)
    if facts.edges:
        edges = [
            {
                "source_key": e.source_key,
                "target_key": e.target_key,
                "quantity": e.quantity,
                "unit": e.unit,
                "happened_on": e.happened_on,
            }
            for e in facts.edges
        ]
        await EDGE_INSERT.execute_many(conn, edges)
    if facts.stock:
        changes = [
            {
                "lot_key": lot_key(stock.lot_code),
                "revision": stock.revision,
                "stock_on_hand": stock.on_hand,
                "stock_unit": stock.unit,
            }
            for stock in facts.stock
        ]
        await STOCK_UPDATE.execute_many(conn, changes)


_WALK = {
    Direction.FORWARD: ("source_key", "target_key"),
    Direction.BACKWARD: ("target_key", "source_key"),
}


def trace_query(direction: Direction) -> sa.TextClause:
    """Every node reachable from ``:start`` and every edge among them, in one statement:
    a recursive CTE over the edge index of that direction. ``UNION`` on the key alone
    expands each node once, so diamonds cost nothing extra and a cycle cannot loop. The
    answer is one row of two JSON arrays: decoding thousands of rows one by one in Python
    costs more than the walk itself."""
    near, far = _WALK[direction]
    return sa.text(
        f"""
        WITH RECURSIVE reached(key) AS (
            SELECT CAST(:start AS text) COLLATE "C"
          UNION
            SELECT e.{far} FROM reached r JOIN trace_edge e ON e.{near} = r.key
        )
        SELECT
          (SELECT json_agg(json_build_array(n.key, n.kind, n.code, n.item_code, n.quantity,
                                            n.unit, n.on_hand, n.happened_on, n.label,
                                            n.detail))
           FROM reached r JOIN trace_node n ON n.key = r.key)::text AS nodes,
          (SELECT json_agg(json_build_array(e.source_key, e.target_key, e.quantity, e.unit,
                                            e.happened_on))
           FROM reached r JOIN trace_edge e ON e.{near} = r.key)::text AS edges
        """
    )


def _decimal(value: Decimal | int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


async def trace(
    conn: AsyncConnection, start: str, direction: Direction
) -> tuple[list[Node], list[Edge]]:
    """The reached nodes (none when ``start`` is unknown) and their edges in that direction."""
    row = (await conn.execute(trace_query(direction), {"start": start})).one()
    nodes = [
        Node(
            key,
            Kind(kind),
            code,
            item,
            _decimal(qty),
            unit,
            _decimal(on_hand),
            _date(on),
            label,
            detail,
        )
        for key, kind, code, item, qty, unit, on_hand, on, label, detail in json.loads(
            row.nodes or "[]", parse_float=Decimal
        )
    ]
    edges = [
        Edge(source, target, _decimal(qty), unit, _date(on))
        for source, target, qty, unit, on in json.loads(row.edges or "[]", parse_float=Decimal)
    ]
    return nodes, edges


READ_MODEL = (t.node, t.edge)
