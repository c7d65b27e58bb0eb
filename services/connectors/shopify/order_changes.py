"""What applying one picture of a Shopify order changes: the verdict, the events to publish
and the state to store. Pure, so one delivery at a time (``order_sync``) and a batch of
deliveries in one transaction (``delivery_batch``) decide the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.connectors.shopify import order_state
from services.connectors.shopify import orders as shopify_orders
from services.connectors.shopify.order_snapshot import OrderSnapshot
from services.connectors.shopify.order_state import Decision, StoredOrder, Verdict
from shared.contracts.base import Event
from shared.contracts.connectors import (
    ChannelLineQuantity,
    ChannelOrderCancelled,
    ChannelOrderEdited,
    InboundOrderReceived,
)
from shared.units import Quantity

CHANNEL = shopify_orders.CHANNEL


@dataclass(frozen=True)
class ShopContext:
    """What a new order needs from its shop: the SKU mappings and whether test orders
    are live."""

    mappings: Mapping[str, str]
    test_orders_live: bool


@dataclass(frozen=True)
class Change:
    """One picture applied: ``state`` is what the order's row holds after it (None: the
    picture was stale and nothing is stored)."""

    decision: Decision
    events: list[Event] = field(default_factory=list)
    state: StoredOrder | None = None


def quantities(lines: Mapping[str, int]) -> tuple[ChannelLineQuantity, ...]:
    return tuple(
        ChannelLineQuantity(external_line_id=line, quantity=Quantity.of(quantity, "pc"))
        for line, quantity in sorted(lines.items())
    )


def new_order(
    payload: Any, snapshot: OrderSnapshot, *, shop: str, context: ShopContext
) -> InboundOrderReceived:
    """The order as it is now: lines at their current quantity, removed lines left out. An
    order born cancelled keeps every line as ordered (the record of what was asked for); it
    is born cancelled, so those lines make no demand."""
    order = shopify_orders.to_inbound_order(payload, shop=shop, item_for=context.mappings.get)
    update: dict[str, Any] = {
        "cancelled_at": snapshot.cancelled_at,
        "test_live": context.test_orders_live,
    }
    if snapshot.cancelled_at is None:
        update["lines"] = tuple(
            line.model_copy(
                update={"quantity": Quantity.of(snapshot.lines[line.external_line_id], "pc")}
            )
            for line in order.lines
            if snapshot.lines.get(line.external_line_id, 0) > 0
        )
    return order.model_copy(update=update)


def _events(
    payload: Any,
    snapshot: OrderSnapshot,
    decision: Decision,
    *,
    shop: str,
    context: ShopContext | None,
) -> list[Event]:
    match decision.verdict:
        case Verdict.NEW | Verdict.NEW_CANCELLED:
            assert context is not None, "a new order needs its shop's context"
            return [new_order(payload, snapshot, shop=shop, context=context)]
        case Verdict.CANCELLED:
            assert snapshot.cancelled_at is not None
            cancelled = ChannelOrderCancelled(
                channel=CHANNEL,
                shop=shop,
                external_id=snapshot.external_id,
                cancelled_at=snapshot.cancelled_at,
                reason=snapshot.cancel_reason,
            )
            return [cancelled]
        case Verdict.EDITED:
            edited = ChannelOrderEdited(
                channel=CHANNEL,
                shop=shop,
                external_id=snapshot.external_id,
                version=snapshot.updated_at,
                lines=quantities(decision.reduced),
            )
            return [edited]
    return []


def change(
    stored: StoredOrder | None,
    snapshot: OrderSnapshot,
    payload: Any,
    *,
    shop: str,
    context: ShopContext | None,
) -> Change:
    """Decide against the stored state; ``context`` is needed only when nothing is stored
    (a first sight publishes the new order). Raises ``InvalidShopifyOrder`` for a body
    that cannot become an order."""
    decision = order_state.decide(stored, snapshot)
    if not decision.stores:
        return Change(decision)
    events = _events(payload, snapshot, decision, shop=shop, context=context)
    state = order_state.stored_after(snapshot)
    if stored is not None and stored.cancelled_at is not None:
        # The row's upsert keeps a cancellation once stored (``sync_repository.save_order``).
        state = StoredOrder(state.updated_at, stored.cancelled_at, state.lines)
    return Change(decision, events, state)
