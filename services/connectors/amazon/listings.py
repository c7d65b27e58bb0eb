"""Stock push to Amazon: the quantity a merchant-fulfilled SKU shows, through the Listings
Items API 2021-08-01.

- read: ``GET /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=…&includedData=
  fulfillmentAvailability``; the quantity is that of the ``DEFAULT`` fulfilment channel
  (the seller's own; Amazon's warehouses are FBA's and not Lotline's to set). A listing
  with no ``DEFAULT`` entry shows 0;
- write: ``PATCH`` of the same item with a JSON Patch replacing
  ``/attributes/fulfillment_availability`` by ``[{"fulfillment_channel_code": "DEFAULT",
  "quantity": N}]`` and ``productType`` ``PRODUCT`` (Amazon takes it for a patch of any
  product type); an answer whose ``status`` is not ``ACCEPTED`` is refused with its issues.

Amazon has no compare-and-set: ``set_available`` reads the listing again just before the
patch and raises ``StaleLevel`` when its quantity moved since ``level`` (a sale), so the
shared stock-push rules read again and recompute. The window between that read and the
patch is not closed (a sale in it is overwritten by the absolute quantity, then corrected
by the next drift check). ASSUMED: Amazon applies an accepted patch before the read-back;
in reality the submission is processed asynchronously, so a read-back may briefly show the
old quantity and the next reconciliation then pushes it again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors.amazon import tokens
from services.connectors.amazon.client import Seller, SpApi
from services.connectors.amazon.config import AmazonSettings
from services.connectors.channels.port import Refused, StaleLevel, StockLevel

DEFAULT_CHANNEL = "DEFAULT"  # merchant-fulfilled: the seller's own stock


@dataclass(frozen=True)
class Level:
    sku: str
    available: int


def read_level(item: Mapping[str, Any], sku: str) -> Level:
    """The ``DEFAULT`` channel's quantity of the listing (0 when it has none)."""
    entries = item.get("fulfillmentAvailability")
    if entries is None:
        return Level(sku, 0)
    if not isinstance(entries, list):
        raise Refused(f"listing {sku!r}: fulfillmentAvailability is not a list")
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("fulfillmentChannelCode") == DEFAULT_CHANNEL:
            quantity = entry.get("quantity", 0)
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
                raise Refused(f"listing {sku!r}: quantity {quantity!r} is not a count")
            return Level(sku, quantity)
    return Level(sku, 0)


def patch_body(quantity: int) -> dict[str, Any]:
    """The JSON Patch that sets the merchant-fulfilled quantity to ``quantity``."""
    if quantity < 0:
        raise ValueError(f"a quantity to show is never negative, got {quantity}")
    return {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": DEFAULT_CHANNEL, "quantity": quantity}],
            }
        ],
    }


def accepted(answer: Mapping[str, Any], sku: str) -> None:
    """Refused unless Amazon accepted the submission."""
    status = answer.get("status")
    if status == "ACCEPTED":
        return
    issues = answer.get("issues")
    texts = [
        f"{i.get('code')}: {i.get('message')}"
        for i in (issues if isinstance(issues, list) else [])
        if isinstance(i, Mapping)
    ]
    raise Refused(f"listing {sku!r}: patch {status}: {'; '.join(texts) or 'no issue given'}")


class AmazonStock:
    """One seller's merchant-fulfilled quantities (the port's ``ShopStock``)."""

    def __init__(
        self,
        engine: AsyncEngine,
        api: SpApi,
        where: Seller,
        *,
        marketplace_ids: Sequence[str],
        settings: AmazonSettings,
    ) -> None:
        self._engine = engine
        self._api = api
        self._where = where
        self._marketplaces = list(marketplace_ids)
        self._margin = settings.refresh_margin_seconds

    async def level(self, sku: str) -> Level:
        item = await tokens.with_token(
            self._engine,
            self._api,
            self._where.seller_id,
            lambda token: self._api.get_listings_item(
                self._where, token, sku, marketplace_ids=self._marketplaces
            ),
            margin_seconds=self._margin,
        )
        return read_level(item, sku)

    async def set_available(self, level: StockLevel, quantity: int, *, reference: str) -> None:
        if not isinstance(level, Level):
            raise TypeError(f"not an Amazon stock level: {level!r}")
        current = await self.level(level.sku)
        if current.available != level.available:
            raise StaleLevel(
                f"Amazon's quantity is no longer {level.available} ({current.available})"
            )
        answer = await tokens.with_token(
            self._engine,
            self._api,
            self._where.seller_id,
            lambda token: self._api.patch_listings_item(
                self._where,
                token,
                level.sku,
                patch_body(quantity),
                marketplace_ids=self._marketplaces,
            ),
            margin_seconds=self._margin,
        )
        accepted(answer, level.sku)
