"""Which recalls touch an order: the ones that reached it (a lot it shipped, or it among a
reached customer's orders), each of its shipments that carried a recalled lot, and its
customer reached through another order. A shipped order whose lot is recalled later must
say so on its page, with a link to the recall. Pure: the trace service's recalls in.

Withdrawn recalls warn of nothing: their lots are back on sale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecallWarning:
    recall_id: str
    origin: str
    reason: str
    created_at: str
    reaches_order: bool  # False: only the customer, through another of their orders
    shipment_ids: tuple[str, ...]  # this order's shipments that carried a recalled lot
    lot_codes: tuple[str, ...]  # the recalled lots this order (or customer) received


def customer_code(customer: Mapping[str, Any]) -> str | None:
    """How the trace service names a customer: e-mail (lower case) when there is one, else
    the name (the rule of ``services.trace.genealogy.customer_code``, which the gateway may
    not import)."""
    email, name = customer.get("email"), customer.get("name")
    if email:
        return str(email).strip().lower()
    if name:
        return str(name).strip()
    return None


def _lots(shipments: Iterable[Mapping[str, Any]]) -> set[str]:
    return {lot["lot_code"] for s in shipments for lot in s.get("lots", ())}


def warnings(
    order_id: str, customer: str | None, recalls: Iterable[Mapping[str, Any]]
) -> list[RecallWarning]:
    """One warning per recall in force that reaches the order or its ``customer``, newest
    first, each once however many look-ups found it."""
    found: dict[str, RecallWarning] = {}
    for recall in recalls:
        recall_id = str(recall["recall_id"])
        if recall_id in found or recall.get("withdrawn_at"):
            continue
        trace = recall.get("trace") or {}
        shipped = [s for s in trace.get("shipments", ()) if s.get("order_id") == order_id]
        reached = [c for c in trace.get("customers", ()) if order_id in c.get("order_ids", ())]
        theirs = [s for s in trace.get("shipments", ()) if s.get("customer") == customer]
        if not (shipped or reached or (customer and theirs)):
            continue
        lots = _lots(shipped) or {u["lot_code"] for c in reached for u in c.get("shipped", ())}
        found[recall_id] = RecallWarning(
            recall_id=recall_id,
            origin=str(recall.get("origin", "")),
            reason=str(recall.get("reason", "")),
            created_at=str(recall.get("created_at", "")),
            reaches_order=bool(shipped or reached),
            shipment_ids=tuple(sorted({str(s["shipment_id"]) for s in shipped})),
            lot_codes=tuple(sorted(lots or _lots(theirs))),
        )
    return sorted(found.values(), key=lambda w: w.created_at, reverse=True)
