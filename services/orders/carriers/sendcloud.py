"""Sendcloud (Shipping API v2) behind the carrier port: create the parcel with its label in
one call, then fetch the label PDF.

Wire facts, checked against Sendcloud's v2 reference (sendcloud.dev, "Create a parcel or
parcels", "Handling parcel errors", label download) unless marked ASSUMED:
- Basic auth, public key as user and secret key as password.
- ``POST /api/v2/parcels`` with ``{"parcel": {...}}`` answers ``{"parcel": {...}}``;
  ``request_label: true`` announces the parcel and makes the label in the same call.
- ``weight`` is kilograms as a string, up to 3 decimals (``"10.000"``); ``shipment.id`` is
  the shipping method id; ``external_reference`` must be unique and "is used to create
  idempotence"; ``country_state`` is required for IT, US, CA and AU.
- ``quantity`` > 1 (multicollo, at most 20) with ``request_label: true`` needs the
  multiple-parcels form ``{"parcels": [...]}``, which answers ``{"parcels": [...]}``, one per
  collo. v2 takes one weight for all colli, so we send the heaviest.
- Errors answer ``{"error": {"code", "request", "message"}}``; a validation message names the
  field (``"house_number: 'This field cannot be blank.'"``).
- The label: ``parcel.label.label_printer`` is a URL on the API host;
  ``GET /api/v2/labels/label_printer/{id}`` and ``…/label_printer?ids=1,2`` answer a PDF.
- ASSUMED: whether Sendcloud sends Retry-After with 429 (honoured if present); the answer to
  a reused ``external_reference`` (we expect a 4xx naming the field, then look the parcel up
  with ``GET /api/v2/parcels?external_reference=…``, a documented list filter).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from services.orders.carriers.port import (
    CarrierRejected,
    CarrierUnavailable,
    ParcelCreated,
    ParcelRequest,
    weight_in_kg,
)
from services.orders.carriers.retrying import RetryPolicy, raise_for_answer, send, with_retries
from services.orders.carriers.sendcloud_webhooks import (
    DELIVERED_STATUS_IDS,
    SIGNATURE_HEADER,
    TrackingUpdate,
    WebhookInvalid,
    parse_tracking_webhook,
    sign_webhook,
    verify_webhook,
)

__all__ = [
    "DELIVERED_STATUS_IDS",
    "SIGNATURE_HEADER",
    "SendcloudCarrier",
    "TrackingUpdate",
    "WebhookInvalid",
    "parcel_payload",
    "parse_tracking_webhook",
    "shipping_method_id",
    "sign_webhook",
    "verify_webhook",
]

log = logging.getLogger(__name__)

PARCELS = "/api/v2/parcels"
LABEL_PRINTER = "/api/v2/labels/label_printer"
MAX_COLLI = 20
_CENT = Decimal("0.01")
DEFAULT_RETRY = RetryPolicy()


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _Code(_Model):
    code: str | None = None


class _Label(_Model):
    label_printer: str | None = None
    normal_printer: list[str] = []


class _Parcel(_Model):
    id: int
    tracking_number: str | None = None
    tracking_url: str | None = None
    carrier: _Code | None = None
    label: _Label | None = None


def shipping_method_id(service: str | None, *, default: int) -> int:
    """Sendcloud names services by shipping-method id; no service means the configured one."""
    text = (service or "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise CarrierRejected(f"a Sendcloud service is a shipping method id (a number): {text!r}")
    return int(text)


def parcel_payload(request: ParcelRequest, *, default_method_id: int) -> dict[str, Any]:
    """The create-parcel body: ``{"parcel": …}``, or ``{"parcels": [… quantity=n]}`` for n colli."""
    to = request.recipient
    colli = len(request.parcels)
    if colli > MAX_COLLI:
        raise CarrierRejected(f"Sendcloud takes at most {MAX_COLLI} parcels in one shipment")
    parcel: dict[str, Any] = {
        "name": to.name,
        "address": to.address_lines[0] if to.address_lines else "",
        "city": to.city,
        "postal_code": to.postal_code,
        "country": to.country_code.strip().upper(),
        "order_number": request.order_number,
        "weight": format(max(weight_in_kg(w) for w in request.parcels), "f"),
        "request_label": True,
        "shipment": {"id": shipping_method_id(request.service, default=default_method_id)},
        "external_reference": str(request.shipment_id),
    }
    optional = {
        "company_name": to.company_name,
        "address_2": ", ".join(to.address_lines[1:]) or None,
        "house_number": to.house_number,
        "country_state": to.province,
        "email": to.email,
        "telephone": to.phone,
    }
    parcel.update({key: value for key, value in optional.items() if value})
    if request.total_value is not None:
        parcel["total_order_value"] = format(request.total_value.amount.quantize(_CENT), "f")
        parcel["total_order_value_currency"] = request.total_value.currency
    if colli == 1:
        return {"parcel": parcel}
    return {"parcels": [{**parcel, "quantity": colli}]}


class SendcloudCarrier:
    """Sendcloud Shipping API v2 over httpx; one short-lived client per operation."""

    name: ClassVar[str] = "sendcloud"

    def __init__(
        self,
        *,
        base_url: str,
        public_key: str,
        secret_key: str,
        default_method_id: int = 8,
        retry: RetryPolicy = DEFAULT_RETRY,
        timeout_seconds: float = 20.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(public_key, secret_key)
        self._default_method_id = default_method_id
        self._retry = retry
        self._timeout = httpx.Timeout(timeout_seconds)
        self._transport = transport

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self._base_url,
            auth=self._auth,
            timeout=self._timeout,
            transport=self._transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    async def create_parcel(self, request: ParcelRequest) -> ParcelCreated:
        """Announce the parcel and fetch its label; a label that cannot be fetched now is
        left for ``label()`` rather than failing a parcel that exists and is paid for."""
        body = parcel_payload(request, default_method_id=self._default_method_id)
        async with self._client() as http:

            async def attempt(number: int) -> list[_Parcel]:
                return await self._create(http, request, body, attempt=number)

            parcels = await with_retries(self._retry, attempt, what="Sendcloud create parcel")
            label = await self._label_or_none(http, parcels)
        main = parcels[0]
        return ParcelCreated(
            carrier=self.name,
            carrier_reference=str(main.id),
            tracking_number=main.tracking_number or None,
            tracking_url=main.tracking_url or None,
            label_pdf=label,
            carried_by=main.carrier.code if main.carrier else None,
        )

    async def label(self, parcel: ParcelCreated) -> bytes | None:
        """The label of the parcel (for several colli: of the first one, which the shipment
        is known by)."""
        async with self._client() as http:

            async def attempt(_number: int) -> bytes:
                return await self._pdf(http, f"{LABEL_PRINTER}/{parcel.carrier_reference}")

            return await with_retries(self._retry, attempt, what="Sendcloud label")

    async def _create(
        self, http: httpx.AsyncClient, request: ParcelRequest, body: dict[str, Any], *, attempt: int
    ) -> list[_Parcel]:
        if attempt > 1:  # the last try may have created it before the answer was lost
            existing = await self._find(http, request)
            if existing:
                return existing
        response = await send(http, "POST", PARCELS, json=body)
        try:
            raise_for_answer(response, _error_message(response))
        except CarrierRejected as rejected:
            if "external_reference" not in str(rejected):
                raise
            existing = await self._find(http, request)  # created by an earlier call
            if not existing:
                raise
            return existing
        return _parcels_in(response)

    async def _find(self, http: httpx.AsyncClient, request: ParcelRequest) -> list[_Parcel]:
        params = {"external_reference": str(request.shipment_id)}
        response = await send(http, "GET", PARCELS, params=params)
        raise_for_answer(response, _error_message(response))
        found = _parcels_in(response, allow_empty=True)
        if found:
            log.info("Sendcloud parcel for shipment %s already exists", request.shipment_id)
        return found

    async def _label_or_none(self, http: httpx.AsyncClient, parcels: list[_Parcel]) -> bytes | None:
        url = self._label_url(parcels)

        async def attempt(_number: int) -> bytes:
            return await self._pdf(http, url)

        try:
            return await with_retries(self._retry, attempt, what="Sendcloud label")
        except (CarrierRejected, CarrierUnavailable):
            log.warning("Sendcloud parcel %s: label not fetched yet", parcels[0].id, exc_info=True)
            return None

    def _label_url(self, parcels: list[_Parcel]) -> str:
        """Sendcloud's own label link when it is on the API host (our credentials go with
        it, so never elsewhere); for several colli, all their labels in one PDF."""
        if len(parcels) > 1:
            return f"{LABEL_PRINTER}?ids={','.join(str(p.id) for p in parcels)}"
        given = parcels[0].label.label_printer if parcels[0].label else None
        if given and _origin(urljoin(self._base_url, given)) == _origin(self._base_url):
            return urljoin(self._base_url, given)
        return f"{LABEL_PRINTER}/{parcels[0].id}"

    async def _pdf(self, http: httpx.AsyncClient, url: str) -> bytes:
        response = await send(http, "GET", url, headers={"Accept": "application/pdf"})
        raise_for_answer(response, _error_message(response))
        if not response.content.startswith(b"%PDF"):
            # Labels are made asynchronously for some carriers: not there yet, ask again.
            raise CarrierUnavailable(
                f"no PDF at {url} yet ({response.headers.get('content-type')})"
            )
        return response.content


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _error_message(response: httpx.Response) -> str:
    """Sendcloud's own words from ``{"error": {"message": …}}``, else the start of the body."""
    if response.is_success:
        return ""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return f"Sendcloud answered {response.status_code}: {response.text[:200]}"


def _parcels_in(response: httpx.Response, *, allow_empty: bool = False) -> list[_Parcel]:
    try:
        data = response.json()
        raw = [data["parcel"]] if "parcel" in data else list(data.get("parcels") or [])
        parcels = [_Parcel.model_validate(item) for item in raw]
    except (ValueError, TypeError, KeyError, ValidationError) as error:
        raise CarrierRejected(
            f"Sendcloud answered something that is not a parcel: {error}"
        ) from error
    if not parcels and not allow_empty:
        raise CarrierRejected("Sendcloud answered without a parcel")
    return parcels
