"""The carrier port: what a shipment asks of any carrier, and the two ways a carrier says no.

Carriers are adapters behind this port (manual entry, Sendcloud, …); the shipment use case
depends only on these types, never on a carrier's wire format.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Protocol
from uuid import UUID

from shared.units import Money, Quantity, UnitError, convert

MASS_UNITS = frozenset({"mg", "g", "kg"})
GRAM = Decimal("0.001")


class CarrierRejected(ValueError):
    """The carrier refused the request as it stands (bad address, bad credentials, no such
    parcel): retrying the same request cannot succeed; the message is the carrier's own."""


class CarrierUnavailable(Exception):
    """The carrier could not answer (timeout, rate limit, 5xx), even after retries: the same
    request may succeed later. ``retry_after`` is the carrier's hint in seconds, if it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Recipient:
    """Where the parcel goes. ``address_lines[0]`` is the street line (with the house number
    when the customer typed it there); ``province`` is the state/province code (``RM``, ``NY``)
    that some destinations require (Italy, USA, Canada, Australia)."""

    name: str
    address_lines: tuple[str, ...]
    city: str
    postal_code: str
    country_code: str
    company_name: str | None = None
    house_number: str | None = None
    province: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ParcelRequest:
    """One shipment handed to a carrier: one or more parcels (their weights) to one recipient.

    ``service`` is the carrier's own service name or id (None: the carrier's default).
    ``tracking_number`` / ``tracking_url`` are what staff typed; only the manual carrier reads
    them. ``shipment_id`` doubles as the idempotency key where the carrier supports one.
    """

    shipment_id: UUID
    order_number: str
    recipient: Recipient
    parcels: tuple[Quantity, ...]
    service: str | None = None
    total_value: Money | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None

    def __post_init__(self) -> None:
        if not self.parcels:
            raise ValueError("a shipment needs at least one parcel")
        for number, weight in enumerate(self.parcels, start=1):
            if weight.unit not in MASS_UNITS:
                raise ValueError(f"parcel {number}: weight in {weight.unit!r}; use kg or g")
            if not weight.is_positive:
                raise ValueError(f"parcel {number}: the weight must be positive")


@dataclass(frozen=True)
class ParcelCreated:
    """What the carrier gave back. ``carrier`` is our registry name (``"sendcloud"``,
    ``"manual"``); ``carried_by`` is the transport company that actually carries the parcel
    as the carrier names it (Sendcloud's ``carrier.code``, e.g. ``"postnl"``), when known;
    ``carrier_reference`` is the carrier's id for the parcel (what its webhooks name)."""

    carrier: str
    carrier_reference: str
    tracking_number: str | None
    tracking_url: str | None
    label_pdf: bytes | None
    carried_by: str | None = None


class Carrier(Protocol):
    """A way to send parcels: create one (with its label, where the carrier makes labels),
    and fetch the label again later."""

    async def create_parcel(self, request: ParcelRequest) -> ParcelCreated: ...

    async def label(self, parcel: ParcelCreated) -> bytes | None: ...


def weight_in_kg(weight: Quantity) -> Decimal:
    """Whole grams, rounded up: a declared weight below the real one earns a surcharge."""
    try:
        kilos = convert(weight, "kg").value
    except UnitError as error:
        raise ValueError(f"not a weight: {weight}") from error
    return max(kilos.quantize(GRAM, rounding=ROUND_CEILING), GRAM)
