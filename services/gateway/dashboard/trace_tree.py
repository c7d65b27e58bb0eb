"""A trace answer (flat lists of lots, production orders, shipments, supplier lots) as the
tree a person reads: from the start, what it went into (forward) or came from (backward).
Pure; a node met again on the same branch is not expanded twice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

SEPARATOR = "\x1f"  # the trace service's key between a supplier and its lot code
MAX_DEPTH = 12


@dataclass(frozen=True)
class TreeNode:
    kind: str  # lot, production_order, shipment, order, supplier_lot, customer
    label: str
    href: str | None = None
    detail: str = ""
    children: tuple[TreeNode, ...] = ()


def amount(value: Mapping[str, Any] | None) -> str:
    if not value:
        return ""
    text = str(value.get("value", ""))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {value.get('unit', '')}".strip()


class _Index:
    def __init__(self, trace: Mapping[str, Any]) -> None:
        self.lots = {lot["lot_code"]: lot for lot in trace.get("lots", [])}
        self.productions = list(trace.get("production_orders", []))
        self.shipments = list(trace.get("shipments", []))
        self.supplier_lots = list(trace.get("supplier_lots", []))

    def lot_node(self, code: str, children: tuple[TreeNode, ...], used: str = "") -> TreeNode:
        lot = self.lots.get(code, {})
        facts = [used] if used else []
        if lot.get("item_code"):
            facts.append(lot["item_code"])
        if lot.get("on_hand"):
            facts.append(f"on hand {amount(lot['on_hand'])}")
        return TreeNode("lot", code, f"/trace?lot={quote(code)}", " · ".join(facts), children)

    def production_node(self, po: Mapping[str, Any], children: tuple[TreeNode, ...]) -> TreeNode:
        detail = " · ".join(
            x for x in (po.get("item_code") or "", po.get("produced_on") or "") if x
        )
        po_id = str(po["production_order_id"])
        return TreeNode("production_order", po_id[:8], f"/production/{po_id}", detail, children)

    def shipment_node(self, shipment: Mapping[str, Any], used: str) -> TreeNode:
        order = shipment.get("order_number") or str(shipment.get("order_id") or "")[:8]
        detail = " · ".join(
            x for x in (used, shipment.get("customer") or "", shipment.get("shipped_on") or "") if x
        )
        href = f"/orders/{shipment['order_id']}" if shipment.get("order_id") else None
        return TreeNode("shipment", f"{order}", href, detail)


def _forward(index: _Index, code: str, path: frozenset[str], used: str = "") -> TreeNode:
    if code in path or len(path) > MAX_DEPTH:
        return index.lot_node(code, (), used)
    path = path | {code}
    children: list[TreeNode] = []
    for po in index.productions:
        uses = [u for u in po.get("consumed", []) if u["lot_code"] == code]
        if uses:
            made = tuple(
                _forward(index, m["lot_code"], path, amount(m.get("quantity")))
                for m in po.get("made", [])
            )
            node = index.production_node(po, made)
            children.append(
                TreeNode(
                    node.kind,
                    node.label,
                    node.href,
                    _join(amount(uses[0].get("quantity")), node.detail),
                    node.children,
                )
            )
    for shipment in index.shipments:
        for use in shipment.get("lots", []):
            if use["lot_code"] == code:
                children.append(index.shipment_node(shipment, amount(use.get("quantity"))))
    return index.lot_node(code, tuple(children), used)


def _backward(index: _Index, code: str, path: frozenset[str], used: str = "") -> TreeNode:
    if code in path or len(path) > MAX_DEPTH:
        return index.lot_node(code, (), used)
    path = path | {code}
    children: list[TreeNode] = []
    for po in index.productions:
        if any(m["lot_code"] == code for m in po.get("made", [])):
            consumed = tuple(
                _backward(index, u["lot_code"], path, amount(u.get("quantity")))
                for u in po.get("consumed", [])
            )
            children.append(index.production_node(po, consumed))
    for supplier_lot in index.supplier_lots:
        if any(u["lot_code"] == code for u in supplier_lot.get("lots", [])):
            label = f"{supplier_lot['supplier']} / {supplier_lot['supplier_lot_code']}"
            children.append(TreeNode("supplier_lot", label))
    return index.lot_node(code, tuple(children), used)


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def tree(trace: Mapping[str, Any]) -> TreeNode:
    """The tree of a forward or backward trace, rooted at its start."""
    index = _Index(trace)
    kind, _, code = str(trace.get("start", "")).partition(":")
    forward = trace.get("direction") == "forward"
    if kind == "lot":
        return (_forward if forward else _backward)(index, code, frozenset())
    if kind == "supplier_lot":
        supplier, _, lot_code = code.partition(SEPARATOR)
        lots = [
            u["lot_code"]
            for s in index.supplier_lots
            if s["supplier"] == supplier and s["supplier_lot_code"] == lot_code
            for u in s.get("lots", [])
        ]
        children = tuple(_forward(index, lot, frozenset()) for lot in lots)
        return TreeNode("supplier_lot", f"{supplier} / {lot_code}", None, "", children)
    # an order or a shipment, traced backward: its shipments' lots and where they came from
    shipments = [s for s in index.shipments if kind == "shipment" or str(s.get("order_id")) == code]
    children = tuple(
        TreeNode(
            "shipment",
            str(s["shipment_id"])[:8],
            None,
            s.get("shipped_on") or "",
            tuple(
                _backward(index, u["lot_code"], frozenset(), amount(u.get("quantity")))
                for u in s.get("lots", [])
            ),
        )
        for s in shipments
    )
    href = f"/orders/{code}" if kind == "order" else None
    return TreeNode(kind, code[:8], href, "", children)
