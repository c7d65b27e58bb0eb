"""The sales-channel port: what the shared write-back and stock-push code asks of any
channel, and the channel-neutral ways a channel answers.

A channel is an adapter behind this port (Shopify, Etsy; the manual and wholesale channels
support nothing here). The shared code depends only on these types, never on a channel's
wire format, and never branches on a channel's name: it asks the registry for the adapter.

Operations (``Capability``):

- ``FULFILMENT``: tell the channel an order shipped (a write-back row, retried, replayable).
- ``STOCK_PUSH``: read and set what the channel shows as available for a SKU.
- ``ORDER_LISTING``: the channel is read for orders it may not have pushed (Shopify's
  reconciliation, Etsy's receipt poller); the loop lives in the channel's own package.

No channel takes a cancellation write-back today (cancellations only flow in from the
channels); a channel that does not support an operation raises ``NotSupported``, a refusal
with the reason an operator reads, never a crash.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts.orders import ShipmentDispatched


class AdminError(Exception):
    """A failed call to a channel; ``str()`` is the reason an operator reads."""


class RetryLater(AdminError):
    """Transient: 5xx, 429, throttled, network. ``wait_seconds`` is the channel's own hint."""

    def __init__(self, reason: str, *, wait_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.wait_seconds = wait_seconds


class Refused(AdminError):
    """Permanent: bad token, unknown order, the channel's own refusal. Never retried."""


class NotSupported(Refused):
    """The channel does not support the operation at all (the manual channel has no shop to
    write back to). A refusal: a write-back asking for it is dead with this reason."""

    def __init__(self, channel: str, capability: Capability) -> None:
        super().__init__(f"the {channel} channel does not support {capability.value}")
        self.channel = channel
        self.capability = capability


class StaleLevel(Refused):
    """The shop's quantity moved since it was read (a sale, an edit): read again, then set."""


class Capability(StrEnum):
    FULFILMENT = "fulfilment write-back"
    STOCK_PUSH = "stock push"
    ORDER_LISTING = "order listing for reconciliation"


@dataclass(frozen=True)
class FulfilmentPlan:
    """What a shipment's write-back row holds: the channel's ``kind`` of write-back, the
    payload its attempt reads, and why it cannot be sent (``problem``) when the shipment
    does not map to the channel's order (the row is then born dead)."""

    kind: str
    payload: dict[str, Any]
    problem: str | None = None


Attempt = Callable[[], Awaitable[str | None]]
"""One try of a write-back, ready to be retried: the channel's id for what it created."""


class StockLevel(Protocol):
    """What a shop says is available for one SKU (and whatever the channel needs to set it)."""

    @property
    def available(self) -> int: ...


class ShopStock(Protocol):
    """One shop's stock levels: read one, set one with compare-and-set (``StaleLevel``)."""

    async def level(self, sku: str) -> StockLevel: ...

    async def set_available(self, level: StockLevel, quantity: int, *, reference: str) -> None: ...


class SalesChannel(Protocol):
    """A sales channel as the shared connectors code sees it. ``write_back_kinds`` are the
    ``kind`` values of the write-back rows it owns (how a row finds its channel again)."""

    @property
    def name(self) -> str: ...

    @property
    def capabilities(self) -> frozenset[Capability]: ...

    @property
    def write_back_kinds(self) -> frozenset[str]: ...

    def plan_fulfilment(self, event: ShipmentDispatched) -> FulfilmentPlan: ...

    async def fulfilment_attempt(
        self, engine: AsyncEngine, http: httpx.AsyncClient, row: Any
    ) -> Attempt: ...

    async def shop_stock(
        self, engine: AsyncEngine, http: httpx.AsyncClient, shop: str
    ) -> ShopStock: ...
