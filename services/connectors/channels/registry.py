"""Which adapter answers for which sales channel: the one place naming every channel.

Adding a channel (WooCommerce, Amazon) is a new package implementing ``port.SalesChannel``
and one line in ``ADAPTERS``; the shared write-back and stock-push code does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from services.connectors.amazon.channel import AmazonChannel
from services.connectors.amazon.orders import CHANNEL as AMAZON
from services.connectors.channels.port import Capability, Refused, SalesChannel
from services.connectors.config import ConnectorsSettings, get_connectors_settings
from services.connectors.direct_orders.channel import DirectChannel
from services.connectors.direct_orders.manual_orders import CHANNEL as MANUAL
from services.connectors.direct_orders.wholesale_import import CHANNEL as WHOLESALE
from services.connectors.etsy.channel import EtsyChannel
from services.connectors.etsy.receipts import CHANNEL as ETSY
from services.connectors.shopify.channel import ShopifyChannel
from services.connectors.shopify.orders import CHANNEL as SHOPIFY
from services.connectors.woocommerce.channel import WooCommerceChannel
from services.connectors.woocommerce.orders import CHANNEL as WOOCOMMERCE

ADAPTERS: Mapping[str, Callable[[ConnectorsSettings], SalesChannel]] = {
    SHOPIFY: lambda _settings: ShopifyChannel(),
    ETSY: lambda settings: EtsyChannel(settings.etsy),
    AMAZON: lambda settings: AmazonChannel(settings.amazon),
    MANUAL: lambda _settings: DirectChannel(MANUAL),
    WHOLESALE: lambda _settings: DirectChannel(WHOLESALE),
    WOOCOMMERCE: lambda _settings: WooCommerceChannel(),
}


class UnknownChannel(Refused):
    """A channel name no adapter answers for: nothing is supported."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no sales channel {name!r} is registered")
        self.name = name


class UnknownWriteBackKind(Refused):
    """A write-back row of a kind no registered channel owns (its channel was removed)."""


class Channels:
    """The registered adapters, by channel name and by the write-back kinds they own."""

    def __init__(self, adapters: Iterable[SalesChannel]) -> None:
        self._by_name = {adapter.name: adapter for adapter in adapters}
        self._by_kind = {
            kind: adapter for adapter in self._by_name.values() for kind in adapter.write_back_kinds
        }

    def get(self, name: str) -> SalesChannel:
        """The adapter for ``name``; UnknownChannel (a refusal) when none is registered."""
        adapter = self._by_name.get(name)
        if adapter is None:
            raise UnknownChannel(name)
        return adapter

    def supports(self, name: str, capability: Capability) -> bool:
        adapter = self._by_name.get(name)
        return adapter is not None and capability in adapter.capabilities

    def supporting(self, capability: Capability) -> list[str]:
        """The names of the channels that support ``capability``, sorted."""
        return sorted(n for n, a in self._by_name.items() if capability in a.capabilities)

    def owning(self, kind: str) -> SalesChannel:
        """The adapter whose write-back rows carry ``kind``; UnknownWriteBackKind (a
        refusal, so the row is dead with the reason) when none does."""
        adapter = self._by_kind.get(kind)
        if adapter is None:
            raise UnknownWriteBackKind(f"no channel owns write-backs of kind {kind!r}")
        return adapter


def build(settings: ConnectorsSettings | None = None) -> Channels:
    """Every channel in ``ADAPTERS``, configured from the connectors' settings."""
    settings = settings or get_connectors_settings()
    return Channels(factory(settings) for factory in ADAPTERS.values())


@lru_cache(maxsize=1)
def default() -> Channels:
    """The channels as configured for this process (built once)."""
    return build()
