"""What each event says about the genealogy graph, as nodes and quantity-bearing edges.

Pure: an event in, facts out. Facts only ever add knowledge (a node's columns are merged,
an edge is written once), so applying them in any order across topics gives the same graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shared.contracts.inventory import LotChanged, LotReceived, ProductionRecorded, StockShipped
from shared.contracts.orders import OrderReceived
from shared.units import Quantity


class Kind(StrEnum):
    SUPPLIER = "supplier"
    SUPPLIER_LOT = "supplier_lot"
    LOT = "lot"
    PRODUCTION_ORDER = "production_order"
    SHIPMENT = "shipment"
    ORDER = "order"
    CUSTOMER = "customer"


SEPARATOR = "\x1f"  # between a supplier and its lot code: neither may contain it


def key(kind: Kind, code: str) -> str:
    return f"{kind.value}:{code}"


def lot_key(lot_code: str) -> str:
    return key(Kind.LOT, lot_code)


def supplier_lot_code(supplier: str, code: str) -> str:
    return f"{supplier}{SEPARATOR}{code}"


def supplier_lot_key(supplier: str, code: str) -> str:
    return key(Kind.SUPPLIER_LOT, supplier_lot_code(supplier, code))


def customer_code(name: str | None, email: str | None) -> str | None:
    """A customer is known by e-mail when there is one, else by name."""
    if email:
        return email.strip().lower()
    if name:
        return name.strip()
    return None


@dataclass(frozen=True)
class NodeFact:
    """What is known about a node; None columns say nothing (they never erase)."""

    kind: Kind
    code: str
    item_code: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    happened_on: date | None = None
    label: str | None = None
    detail: str | None = None

    @property
    def key(self) -> str:
        return key(self.kind, self.code)


@dataclass(frozen=True)
class EdgeFact:
    source_key: str
    target_key: str
    quantity: Decimal | None = None
    unit: str | None = None
    happened_on: date | None = None


@dataclass(frozen=True)
class StockFact:
    """A lot's stock now; the highest revision wins whatever order snapshots arrive in."""

    lot_code: str
    item_code: str
    on_hand: Decimal
    unit: str
    revision: int


@dataclass(frozen=True)
class Facts:
    nodes: tuple[NodeFact, ...] = ()
    edges: tuple[EdgeFact, ...] = ()
    stock: tuple[StockFact, ...] = ()


def _sum_per_lot(lots: Iterable[tuple[str, Quantity]]) -> dict[str, Quantity]:
    """A lot named twice (two order lines, two consumption rows) is one edge: the sum."""
    totals: dict[str, Quantity] = {}
    for code, quantity in lots:
        totals[code] = totals[code] + quantity if code in totals else quantity
    return totals


def from_lot_received(event: LotReceived, *, on: date) -> Facts:
    """A lot entered stock: from a supplier's lot, or as a production output."""
    received_on = event.received_on or on
    lot = NodeFact(
        Kind.LOT,
        event.lot_code,
        item_code=event.item_code,
        quantity=event.quantity.value,
        unit=event.quantity.unit,
        happened_on=received_on,
    )
    nodes = [lot]
    edges = []
    value, unit = event.quantity.value, event.quantity.unit
    if event.supplier:
        supplier = NodeFact(Kind.SUPPLIER, event.supplier, label=event.supplier)
        nodes.append(supplier)
        if event.supplier_lot_code:
            origin = NodeFact(
                Kind.SUPPLIER_LOT,
                supplier_lot_code(event.supplier, event.supplier_lot_code),
                item_code=event.item_code,
                label=event.supplier_lot_code,
                detail=event.supplier,
            )
            nodes.append(origin)
            edges.append(EdgeFact(supplier.key, origin.key, happened_on=received_on))
            edges.append(EdgeFact(origin.key, lot.key, value, unit, received_on))
        else:
            edges.append(EdgeFact(supplier.key, lot.key, value, unit, received_on))
    if event.production_order_id is not None:
        made_by = NodeFact(Kind.PRODUCTION_ORDER, str(event.production_order_id))
        nodes.append(made_by)  # every edge's ends exist as nodes, described or not
        edges.append(EdgeFact(made_by.key, lot.key, value, unit, received_on))
    return Facts(nodes=tuple(nodes), edges=tuple(edges))


def from_production_recorded(event: ProductionRecorded) -> Facts:
    """Inputs consumed by a production order, and the lot it made."""
    production = NodeFact(
        Kind.PRODUCTION_ORDER,
        str(event.production_order_id),
        item_code=event.item_code,
        quantity=event.output.value,
        unit=event.output.unit,
        happened_on=event.produced_on,
    )
    output = NodeFact(
        Kind.LOT,
        event.output_lot_code,
        item_code=event.item_code,
        quantity=event.output.value,
        unit=event.output.unit,
        happened_on=event.produced_on,
    )
    consumed = _sum_per_lot((c.lot_code, c.quantity) for c in event.consumed)
    items = {c.lot_code: c.item_code for c in event.consumed}
    inputs = [NodeFact(Kind.LOT, code, item_code=items[code]) for code in consumed]
    edges = [
        EdgeFact(lot_key(code), production.key, q.value, q.unit, event.produced_on)
        for code, q in consumed.items()
    ]
    edges.append(
        EdgeFact(
            production.key, output.key, event.output.value, event.output.unit, event.produced_on
        )
    )
    return Facts(nodes=(production, output, *inputs), edges=tuple(edges))


def from_stock_shipped(event: StockShipped, *, on: date) -> Facts:
    """Lots left in a shipment for a customer order (the date is when stock left)."""
    shipment = NodeFact(Kind.SHIPMENT, str(event.shipment_id), happened_on=on)
    order = NodeFact(Kind.ORDER, str(event.order_id))
    shipped = _sum_per_lot((x.lot_code, x.quantity) for x in event.lots)
    items = {x.lot_code: x.item_code for x in event.lots}
    lots = [NodeFact(Kind.LOT, code, item_code=items[code]) for code in shipped]
    edges = [
        EdgeFact(lot_key(code), shipment.key, q.value, q.unit, on) for code, q in shipped.items()
    ]
    edges.append(EdgeFact(shipment.key, order.key, happened_on=on))
    return Facts(nodes=(shipment, order, *lots), edges=tuple(edges))


def from_order_received(event: OrderReceived, *, on: date) -> Facts:
    """Who the order is for: the order → customer edge."""
    name = event.external_number or event.external_id
    order = NodeFact(
        Kind.ORDER,
        str(event.order_id),
        happened_on=on,
        label=name,
        detail=f"{event.channel}:{event.shop}" if event.shop else event.channel,
    )
    code = customer_code(event.customer_name, event.customer_email)
    if code is None:
        return Facts(nodes=(order,))
    customer = NodeFact(
        Kind.CUSTOMER, code, label=event.customer_name or code, detail=event.customer_email
    )
    return Facts(nodes=(order, customer), edges=(EdgeFact(order.key, customer.key),))


def from_lot_changed(event: LotChanged) -> Facts:
    return Facts(
        nodes=(NodeFact(Kind.LOT, event.lot_code, item_code=event.item_code),),
        stock=(
            StockFact(
                event.lot_code,
                event.item_code,
                event.on_hand.value,
                event.on_hand.unit,
                event.revision,
            ),
        ),
    )
