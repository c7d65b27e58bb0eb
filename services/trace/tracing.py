"""From the rows of one trace query to the answer a person reads: lots, production
orders, shipments, customers, supplier lots, suppliers and the stock still on hand.

Pure. The same view serves both directions; each direction simply reaches other nodes.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from services.trace.genealogy import SEPARATOR, Kind
from shared.units import ExactDecimal


class Direction(StrEnum):
    FORWARD = "forward"  # where did it go: made into, shipped to
    BACKWARD = "backward"  # where did it come from: made of, bought from


class Node(NamedTuple):
    """A reached node (a named tuple: a trace builds thousands)."""

    key: str
    kind: Kind
    code: str
    item_code: str | None
    quantity: Decimal | None
    unit: str | None
    on_hand: Decimal | None
    happened_on: date | None
    label: str | None
    detail: str | None


class Edge(NamedTuple):
    """An edge out of (forward) or into (backward) a reached node."""

    source: str
    target: str
    quantity: Decimal | None
    unit: str | None
    happened_on: date | None


@dataclass(frozen=True)
class Amount:
    """An exact quantity in a trace. A plain dataclass, not a ``Quantity`` model: a trace
    holds thousands and they come from NUMERIC columns, exact already. On the wire it is
    a ``Quantity``: ``{"value": "3", "unit": "pc"}``."""

    value: ExactDecimal
    unit: str

    def __str__(self) -> str:
        return f"{format(self.value.normalize(), 'f')} {self.unit}"


def _quantity(value: Decimal | None, unit: str | None) -> Amount | None:
    return None if value is None or unit is None else Amount(value, unit)


@dataclass(frozen=True)
class LotUse:
    lot_code: str
    item_code: str | None
    quantity: Amount | None


@dataclass(frozen=True)
class TracedLot:
    lot_code: str
    item_code: str | None
    depth: int
    quantity: Amount | None  # received or made
    dated_on: date | None  # received or produced on
    on_hand: Amount | None
    made_by: tuple[str, ...]
    supplier_lots: tuple[str, ...]


@dataclass(frozen=True)
class TracedProduction:
    production_order_id: str
    item_code: str | None
    produced_on: date | None
    output: Amount | None
    consumed: tuple[LotUse, ...]
    made: tuple[LotUse, ...]


@dataclass(frozen=True)
class TracedShipment:
    shipment_id: str
    shipped_on: date | None
    order_id: str | None
    order_number: str | None
    customer: str | None
    lots: tuple[LotUse, ...]


@dataclass(frozen=True)
class TracedCustomer:
    customer: str
    name: str | None
    email: str | None
    order_ids: tuple[str, ...]
    shipped: tuple[LotUse, ...]  # per lot, summed over the customer's shipments


@dataclass(frozen=True)
class TracedSupplierLot:
    supplier: str
    supplier_lot_code: str
    item_code: str | None
    lots: tuple[LotUse, ...]


@dataclass(frozen=True)
class Trace:
    """A trace's answer. Lists are sorted, so the same graph always answers the same."""

    direction: Direction
    start: str
    lots: tuple[TracedLot, ...] = ()
    production_orders: tuple[TracedProduction, ...] = ()
    shipments: tuple[TracedShipment, ...] = ()
    customers: tuple[TracedCustomer, ...] = ()
    supplier_lots: tuple[TracedSupplierLot, ...] = ()
    suppliers: tuple[str, ...] = ()
    in_stock: tuple[LotUse, ...] = field(default=())


class Graph:
    """The reached nodes, the edges among them, and each node's distance from the start."""

    def __init__(
        self, nodes: Sequence[Node], edges: Sequence[Edge], *, start: str, direction: Direction
    ) -> None:
        self.nodes: dict[str, Node] = {n.key: n for n in nodes}
        self.into: dict[str, list[Edge]] = defaultdict(list)
        self.out_of: dict[str, list[Edge]] = defaultdict(list)
        for e in edges:
            if e.source in self.nodes and e.target in self.nodes:
                self.into[e.target].append(e)
                self.out_of[e.source].append(e)
        self.by_kind: dict[Kind, list[Node]] = defaultdict(list)
        for n in sorted(self.nodes.values(), key=lambda n: n.code):
            self.by_kind[n.kind].append(n)
        self.depth = self._distances(start, direction)

    def _distances(self, start: str, direction: Direction) -> dict[str, int]:
        """Breadth first from the start, in the walk's direction: the nearest depth."""
        depth = {start: 0}
        frontier = deque([start])
        while frontier:
            at = frontier.popleft()
            if direction is Direction.FORWARD:
                nexts = [e.target for e in self.out_of[at]]
            else:
                nexts = [e.source for e in self.into[at]]
            for n in nexts:
                if n not in depth:
                    depth[n] = depth[at] + 1
                    frontier.append(n)
        return depth

    def of_kind(self, kind: Kind) -> list[Node]:
        return self.by_kind[kind]

    def sources(self, key: str, kind: Kind) -> list[Node]:
        return [self.nodes[e.source] for e in self.into[key] if self.nodes[e.source].kind is kind]

    def targets(self, key: str, kind: Kind) -> list[Node]:
        return [self.nodes[e.target] for e in self.out_of[key] if self.nodes[e.target].kind is kind]

    def use(self, edge: Edge, lot_end: str) -> LotUse:
        lot = self.nodes[lot_end]
        return LotUse(lot.code, lot.item_code, _quantity(edge.quantity, edge.unit))


def _lots(graph: Graph, start: str) -> tuple[TracedLot, ...]:
    return tuple(
        TracedLot(
            lot_code=n.code,
            item_code=n.item_code,
            depth=graph.depth.get(n.key, 0),
            quantity=_quantity(n.quantity, n.unit),
            dated_on=n.happened_on,
            on_hand=_quantity(n.on_hand, n.unit),
            made_by=tuple(p.code for p in graph.sources(n.key, Kind.PRODUCTION_ORDER)),
            supplier_lots=tuple(
                s.code.replace(SEPARATOR, " / ") for s in graph.sources(n.key, Kind.SUPPLIER_LOT)
            ),
        )
        for n in graph.of_kind(Kind.LOT)
        if n.key != start
    )


def _productions(graph: Graph) -> tuple[TracedProduction, ...]:
    return tuple(
        TracedProduction(
            production_order_id=n.code,
            item_code=n.item_code,
            produced_on=n.happened_on,
            output=_quantity(n.quantity, n.unit),
            consumed=tuple(sorted((graph.use(e, e.source) for e in graph.into[n.key]), key=_code)),
            made=tuple(sorted((graph.use(e, e.target) for e in graph.out_of[n.key]), key=_code)),
        )
        for n in graph.of_kind(Kind.PRODUCTION_ORDER)
    )


def _code(use: LotUse) -> str:
    return use.lot_code


def _shipments(graph: Graph) -> tuple[TracedShipment, ...]:
    shipments = []
    for n in graph.of_kind(Kind.SHIPMENT):
        orders = graph.targets(n.key, Kind.ORDER)
        order = orders[0] if orders else None
        customers = graph.targets(order.key, Kind.CUSTOMER) if order else []
        lots = [graph.use(e, e.source) for e in graph.into[n.key]]
        shipments.append(
            TracedShipment(
                shipment_id=n.code,
                shipped_on=n.happened_on,
                order_id=order.code if order else None,
                order_number=order.label if order else None,
                customer=customers[0].code if customers else None,
                lots=tuple(sorted(lots, key=_code)),
            )
        )
    return tuple(sorted(shipments, key=lambda s: (s.shipped_on or date.min, s.shipment_id)))


def _customers(graph: Graph, shipments: Sequence[TracedShipment]) -> tuple[TracedCustomer, ...]:
    received: dict[str, list[TracedShipment]] = defaultdict(list)
    for shipment in shipments:
        if shipment.customer is not None:
            received[shipment.customer].append(shipment)
    customers = []
    for n in graph.of_kind(Kind.CUSTOMER):
        orders = sorted(o.code for o in graph.sources(n.key, Kind.ORDER))
        totals: dict[tuple[str, str | None, str | None], Decimal] = defaultdict(Decimal)
        for shipment in received[n.code]:
            for lot in shipment.lots:
                unit = lot.quantity.unit if lot.quantity else None
                value = lot.quantity.value if lot.quantity else Decimal(0)
                totals[(lot.lot_code, lot.item_code, unit)] += value
        shipped = tuple(
            LotUse(code, item, _quantity(value, unit))
            for (code, item, unit), value in sorted(totals.items(), key=lambda kv: kv[0][0])
        )
        customers.append(TracedCustomer(n.code, n.label, n.detail, tuple(orders), shipped))
    return tuple(customers)


def _supplier_lots(graph: Graph) -> tuple[TracedSupplierLot, ...]:
    return tuple(
        TracedSupplierLot(
            supplier=n.detail or "",
            supplier_lot_code=n.label or n.code,
            item_code=n.item_code,
            lots=tuple(sorted((graph.use(e, e.target) for e in graph.out_of[n.key]), key=_code)),
        )
        for n in graph.of_kind(Kind.SUPPLIER_LOT)
    )


def _in_stock(graph: Graph) -> tuple[LotUse, ...]:
    return tuple(
        LotUse(n.code, n.item_code, _quantity(n.on_hand, n.unit))
        for n in graph.of_kind(Kind.LOT)
        if n.on_hand is not None and n.on_hand > 0
    )


def assemble(
    nodes: Sequence[Node], edges: Sequence[Edge], *, start: str, direction: Direction
) -> Trace:
    """The answer for the nodes one walk reached from ``start`` and their edges."""
    graph = Graph(nodes, edges, start=start, direction=direction)
    shipments = _shipments(graph)
    return Trace(
        direction=direction,
        start=start,
        lots=_lots(graph, start),
        production_orders=_productions(graph),
        shipments=shipments,
        customers=_customers(graph, shipments),
        supplier_lots=_supplier_lots(graph),
        suppliers=tuple(n.code for n in graph.of_kind(Kind.SUPPLIER)),
        in_stock=_in_stock(graph),
    )
