"""What other services' news puts on an order's timeline: a kind, an English line for API
clients and the CLI, and the facts it states (lots, quantities, a production order's number)
so the dashboard can say it as a sentence in the reader's language, with links. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from shared.contracts.inventory import ReservedLot
from shared.contracts.production import (
    Demand,
    MissingMaterial,
    ProductionOrderDemandsChanged,
    ProductionOrderPlanned,
    ProductionOrderStatusChanged,
)

ProductionNews = (
    ProductionOrderPlanned | ProductionOrderStatusChanged | ProductionOrderDemandsChanged
)


@dataclass(frozen=True)
class Note:
    kind: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _for_order(demands: Sequence[Demand], order_id: UUID) -> tuple[str, str] | None:
    """How much of the production serves this order (its lines summed), when one unit."""
    mine = [d.quantity for d in demands if d.order_id == order_id]
    if not mine or len({q.unit for q in mine}) > 1:
        return None
    return _amount(sum((q.value for q in mine), Decimal(0))), mine[0].unit


def production_note(event: ProductionNews, order_id: UUID) -> Note | None:
    """None for ``ProductionOrderPlanned``: a new production order announces itself twice
    (planned, then its first status, "planned", with the reason) — the timeline said
    "Batch planned" twice. The status event says it once, with its reason."""
    if isinstance(event, ProductionOrderPlanned):
        return None
    name = event.number or str(event.production_order_id)
    served = _for_order(event.demands, order_id)
    data: dict[str, Any] = {
        "production_order_id": str(event.production_order_id),
        "number": event.number,
        "item_code": event.item_code,
        "status": event.status.value,
        "quantity": served[0] if served else None,
        "unit": served[1] if served else None,
    }
    if isinstance(event, ProductionOrderDemandsChanged):
        data["serves"] = served is not None
        words = "now serves this order" if served else "no longer serves this order"
        return Note(
            "production.demands", f"production order {name} ({event.item_code}) {words}", data
        )
    data["reason"] = event.reason
    detail = f"production order {name} ({event.item_code}) {event.status.value}"
    return Note(f"production.{event.status.value}", detail, data)


def _lots(reservations: Sequence[ReservedLot]) -> list[dict[str, Any]]:
    return [
        {
            "line_no": r.line_no,
            "item_code": r.item_code,
            "lot_code": r.lot_code,
            "quantity": _amount(r.quantity.value),
            "unit": r.quantity.unit,
        }
        for r in reservations
    ]


def reservation_note(
    reservations: Sequence[ReservedLot], *, production_order_id: UUID | None = None
) -> Note | None:
    """Stock reserved from lots (``stock.reserved``), or made for the order and allocated to
    it (``stock.allocated``, naming the production order); None when nothing was."""
    if not reservations:
        return None
    detail = "; ".join(
        f"{_amount(r.quantity.value)} {r.quantity.unit} of {r.item_code} from lot {r.lot_code}"
        for r in reservations
    )
    data: dict[str, Any] = {"lots": _lots(reservations)}
    if production_order_id is None:
        return Note("stock.reserved", f"reserved {detail}", data)
    data["production_order_id"] = str(production_order_id)
    return Note("stock.allocated", f"allocated {detail}", data)


def missing_note(missing: Sequence[MissingMaterial], described: str) -> Note:
    """What the order's production lacks at every level (nothing any more when empty)."""
    if not missing:
        return Note("production.materials", "nothing missing at any level", {"missing": []})
    facts = [
        {
            "item_code": m.item_code,
            "quantity": _amount(m.missing.value) if m.missing else None,
            "unit": m.missing.unit if m.missing else None,
            "expected_on": _iso(m.expected_on or m.arrives_on),
        }
        for m in missing
    ]
    return Note("production.materials", f"missing at any level: {described}", {"missing": facts})


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def promise_note(
    kind: str, detail: str, *, promised_on: date, previous: date | None, reason: str
) -> Note:
    data = {
        "promised_on": promised_on.isoformat(),
        "previous_promised_on": _iso(previous),
        "reason": reason,
    }
    return Note(kind, detail, data)
