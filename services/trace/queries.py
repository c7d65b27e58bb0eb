"""Trace use cases: one recursive query each, read in one READ ONLY transaction."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.trace import repository
from services.trace.genealogy import Kind, key, lot_key, supplier_lot_key
from services.trace.tracing import Direction, Trace, assemble


class UnknownStart(LookupError):
    """Nothing in the genealogy has this lot, order, shipment or supplier lot (yet)."""


async def trace_in(conn: AsyncConnection, start: str, direction: Direction) -> Trace:
    nodes, edges = await repository.trace(conn, start, direction)
    if not nodes:
        kind, _, code = start.partition(":")
        raise UnknownStart(f"no {kind.replace('_', ' ')} {code!r} in the genealogy")
    return assemble(nodes, edges, start=start, direction=direction)


async def trace(engine: AsyncEngine, start: str, direction: Direction) -> Trace:
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        return await trace_in(conn, start, direction)


def lot_start(lot_code: str) -> str:
    return lot_key(lot_code)


def order_start(order_id: UUID) -> str:
    return key(Kind.ORDER, str(order_id))


def shipment_start(shipment_id: UUID) -> str:
    return key(Kind.SHIPMENT, str(shipment_id))


def supplier_lot_start(supplier: str, supplier_lot_code: str) -> str:
    return supplier_lot_key(supplier, supplier_lot_code)
