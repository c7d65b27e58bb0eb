"""The manual carrier: staff hand the parcel to a courier themselves and type its tracking
number (and link, if they have one). Nothing is called and no label is made."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from services.orders.carriers.port import CarrierRejected, ParcelCreated, ParcelRequest


class ManualCarrier:
    """Records what staff typed; the tracking number is what tells the customer anything."""

    name: ClassVar[str] = "manual"

    async def create_parcel(self, request: ParcelRequest) -> ParcelCreated:
        tracking_number = (request.tracking_number or "").strip()
        if not tracking_number:
            raise CarrierRejected("the manual carrier needs the tracking number the courier gave")
        tracking_url = (request.tracking_url or "").strip() or None
        if tracking_url is not None and not _is_web_link(tracking_url):
            raise CarrierRejected(f"the tracking link must be an http(s) address: {tracking_url}")
        return ParcelCreated(
            carrier=self.name,
            # The shipment id, not the tracking number: two shipments may share a courier's
            # consignment number, and nothing calls back with a manual parcel's id.
            carrier_reference=str(request.shipment_id),
            tracking_number=tracking_number,
            tracking_url=tracking_url,
            label_pdf=None,
            carried_by=(request.service or "").strip() or None,
        )

    async def label(self, parcel: ParcelCreated) -> bytes | None:
        return None


def _is_web_link(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
