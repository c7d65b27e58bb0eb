"""Events published by the connectors service: channel orders, normalised. Every event
about one channel order is keyed by its Lotline order id (``keys.ORDER``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contracts import keys, topics
from shared.contracts.base import Event
from shared.contracts.keys import order_id_for as order_id_for
from shared.contracts.registry import register
from shared.units import Money, Quantity


class Address(BaseModel):
    """Where the parcel goes."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    province: str | None = None
    country_code: str | None = None
    phone: str | None = None


class Customer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str | None = None
    email: str | None = None
    locale: str | None = None
    country_code: str | None = None
    shipping_address: Address | None = None


# The most lines one order may have, whatever its channel: the bound that keeps one order
# (and the reservations, production demands and documents it fans out to) a bounded
# amount of work. A wholesale order of 500 lines is already rare; a larger one is refused
# with the reason (a signed webhook is kept, dead, for replay) rather than half-applied.
MAX_LINES_PER_ORDER: Final = 500


class InboundOrderLine(BaseModel):
    """A channel's order line. ``item_code`` is None when the SKU maps to no item."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    external_line_id: str
    sku: str
    item_code: str | None
    title: str | None = None
    quantity: Quantity
    unit_price: Money | None = None  # the list price of one unit, before discounts
    # What a line without a SKU is mapped by (issue 18): ``variant:<id>`` or ``product:<id>``
    # (Shopify), ``product:<id>`` or ``listing:<id>`` (Etsy). None: the SKU is the key.
    mapping_key: str | None = None
    # What the customer pays for the whole line, as the channel reported it (issue 18):
    # gross = unit price × quantity, discount = the discounts allocated to it, net = the rest.
    gross: Money | None = None
    discount: Money | None = None
    net: Money | None = None

    @property
    def key(self) -> str:
        """The key a shop's mapping names this line by ("" only when the channel gave none)."""
        return self.sku or self.mapping_key or ""


class OrderTotals(BaseModel):
    """An order's money as the channel reported it, in the shop's currency (issue 18)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    subtotal: Money | None = None  # lines after line discounts, before shipping and tax
    discounts: Money | None = None
    shipping: Money | None = None
    tax: Money | None = None
    total: Money | None = None


@register
class InboundOrderReceived(Event):
    """A channel order accepted by a connector (signature checked, SKUs mapped)."""

    TYPE = "connectors.inbound_order_received"
    VERSION = 1
    TOPIC = topics.INBOUND_ORDERS
    AGGREGATE = keys.ORDER

    channel: str
    shop: str
    external_id: str
    external_number: str | None = None
    placed_at: datetime | None = None
    requested_on: date | None = None
    currency: str | None = None
    customer: Customer = Customer()
    lines: tuple[InboundOrderLine, ...]
    # Set when the first thing Lotline hears of the order is that it was cancelled (a
    # cancel webhook before the create): the order is born cancelled and never reserves.
    cancelled_at: datetime | None = None
    # How the customer chose to have it carried (Shopify: the shipping line's code): the
    # promise counts that carrier service's transit.
    shipping_service: str | None = None
    totals: OrderTotals | None = None
    # A channel's test order (Shopify ``test: true``) is kept and shown as one; it creates
    # demand only when its shop runs a trial (``test_orders_live``, carried here as ``live``).
    test: bool = False
    test_live: bool = False

    @property
    def creates_demand(self) -> bool:
        """A test order reserves and plans nothing unless its shop made test orders live."""
        return not self.test or self.test_live

    def aggregate_key(self) -> str:
        return str(order_id_for(self.channel, self.external_id))


@register
class ChannelFulfilled(Event):
    """The channel recorded the shipment (e.g. a Shopify fulfillment with tracking)."""

    TYPE = "connectors.channel_fulfilled"
    VERSION = 1
    TOPIC = topics.INBOUND_ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    shipment_id: UUID
    channel: str
    external_fulfillment_id: str | None = None  # unknown when the channel had it already

    def aggregate_key(self) -> str:
        return str(self.order_id)


@register
class ChannelWriteBackFailed(Event):
    """Telling the channel failed after every retry; an operator can replay it."""

    TYPE = "connectors.channel_write_back_failed"
    VERSION = 1
    TOPIC = topics.INBOUND_ORDERS
    AGGREGATE = keys.ORDER

    order_id: UUID
    shipment_id: UUID
    channel: str
    reason: str
    write_back_id: UUID

    def aggregate_key(self) -> str:
        return str(self.order_id)


# --- SKU mappings (issue 4, point 5) -------------------------------------------------------


@register
class SkuMappingChanged(Event):
    """A shop's SKU now maps to ``item_code`` (None: the mapping was deleted). Orders applies
    it to the lines it holds for that (shop, SKU) and releases what is then complete. ``sku``
    may be a line's fallback key (``variant:<id>``…) when the channel sent no SKU."""

    TYPE = "connectors.sku_mapping_changed"
    VERSION = 1
    TOPIC = topics.INBOUND_ORDERS
    AGGREGATE = keys.SHOP_SKU

    shop: str
    sku: str
    item_code: str | None

    def aggregate_key(self) -> str:
        return f"{self.shop}:{self.sku}"


# --- Shopify order sync (issue 4): edits, cancellations and refunds mirrored ---------------


class ChannelLineQuantity(BaseModel):
    """A channel line's quantity now (0: removed from the order)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    external_line_id: str
    quantity: Quantity


@register
class ChannelOrderCancelled(Event):
    """The channel cancelled an order Lotline already has (a cancel seen first arrives as an
    ``InboundOrderReceived`` with ``cancelled_at`` instead)."""

    TYPE = "connectors.channel_order_cancelled"
    VERSION = 1
    TOPIC = topics.INBOUND_ORDERS
    AGGREGATE = keys.ORDER

    channel: str
    shop: str
    external_id: str
    cancelled_at: datetime
    reason: str | None = None

    def aggregate_key(self) -> str:
        return str(order_id_for(self.channel, self.external_id))


@register
class ChannelOrderEdited(Event):
    """Quantities fell or lines were removed on the channel. ``version`` is the channel's
    ``updated_at`` of the edit: a consumer applies an edit only if newer than the last."""

    TYPE = "connectors.channel_order_edited"
    VERSION = 1
    TOPIC = topics.INBOUND_ORDERS
    AGGREGATE = keys.ORDER

    channel: str
    shop: str
    external_id: str
    version: datetime
    lines: tuple[ChannelLineQuantity, ...]  # only the lines whose quantity fell

    def aggregate_key(self) -> str:
        return str(order_id_for(self.channel, self.external_id))


@register
class ChannelRefundCreated(Event):
    """Goods came back with a refund (restock type ``return``); published once per refund
    id. ``restock_to``: ``origin_lot`` (the lot shipped from) or ``quarantine``."""

    TYPE = "connectors.channel_refund_created"
    VERSION = 1
    TOPIC = topics.INBOUND_ORDERS
    AGGREGATE = keys.ORDER

    channel: str
    shop: str
    external_id: str
    refund_id: str
    restock_to: str = "origin_lot"
    lines: tuple[ChannelLineQuantity, ...]  # restocked quantities only

    def aggregate_key(self) -> str:
        return str(order_id_for(self.channel, self.external_id))
