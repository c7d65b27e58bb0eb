"""What a channel's edit or refund means for a Lotline order (docs/connectors.md, "Edits,
cancellations and refunds"). Pure.

Edits: only reductions are mirrored. A shipped, delivered or cancelled order is not changed
(the edit goes on its timeline); an edit that leaves nothing is a cancellation; otherwise
the reduced lines take their new quantities and inventory / production are told.
Refunds: restocked goods go back lot by lot, to the lots the line shipped from (latest
shipment first), never more than shipped and not yet returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shared.contracts.orders import OrderStatus, ReducedLine, ReturnedLot
from shared.units import Quantity

S = OrderStatus
BEYOND_EDITS = frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.CANCELLED})


@dataclass(frozen=True)
class Line:
    line_no: int
    external_line_id: str
    item_code: str | None
    quantity: Decimal
    unit: str


class EditKind(StrEnum):
    IGNORE = "ignore"
    CANCEL = "cancel"
    REDUCE = "reduce"


@dataclass(frozen=True)
class EditPlan:
    kind: EditKind
    reason: str
    new_quantities: dict[int, Decimal]  # line no → its new quantity (reduced lines only)
    announce: tuple[ReducedLine, ...] = ()  # what inventory and production hear


def plan_edit(
    status: OrderStatus, lines: Sequence[Line], wanted: Mapping[str, Decimal]
) -> EditPlan:
    """``wanted``: external line id → the channel's new quantity, for the lines it reduced."""
    reduced = {
        line.line_no: max(Decimal(0), wanted[line.external_line_id])
        for line in lines
        if line.external_line_id in wanted and wanted[line.external_line_id] < line.quantity
    }
    if not reduced:
        return EditPlan(EditKind.IGNORE, "the edit reduces no line Lotline has", {})
    if status in BEYOND_EDITS:
        return EditPlan(EditKind.IGNORE, f"the order is {status.value}: edit not applied", {})
    if all(reduced.get(line.line_no, line.quantity) == 0 for line in lines):
        return EditPlan(EditKind.CANCEL, "every line was removed on the channel", reduced)
    announce: tuple[ReducedLine, ...] = ()
    if status is not S.ON_HOLD:  # an order on hold never asked inventory for anything
        announce = tuple(
            ReducedLine(
                line_no=line.line_no,
                item_code=line.item_code,
                quantity=Quantity.of(reduced[line.line_no], line.unit),
                reduced_by=Quantity.of(line.quantity - reduced[line.line_no], line.unit),
            )
            for line in lines
            if line.line_no in reduced and line.item_code is not None
        )
    return EditPlan(EditKind.REDUCE, "quantities reduced on the channel", reduced, announce)


@dataclass(frozen=True)
class ShippedLot:
    line_no: int
    item_code: str
    lot_code: str
    quantity: Decimal  # shipped less already returned
    unit: str


def lots_to_return(
    shipped: Sequence[ShippedLot], wanted: Mapping[int, Decimal]
) -> tuple[ReturnedLot, ...]:
    """``shipped``: latest shipment first; ``wanted``: line no → quantity restocked. What
    cannot be matched to a shipped lot (never shipped, or already returned) is not booked."""
    left = dict(wanted)
    returned: list[ReturnedLot] = []
    for lot in shipped:
        take = min(left.get(lot.line_no, Decimal(0)), lot.quantity)
        if take <= 0:
            continue
        left[lot.line_no] -= take
        returned.append(
            ReturnedLot(
                line_no=lot.line_no,
                item_code=lot.item_code,
                lot_code=lot.lot_code,
                quantity=Quantity.of(take, lot.unit),
            )
        )
    return tuple(returned)
