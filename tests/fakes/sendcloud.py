"""A faithful local fake of the Sendcloud Shipping API v2 endpoints Lotline uses.

Served over real HTTP (``running_fake()``), it checks Basic auth like Sendcloud, validates
the create-parcel body and answers errors in Sendcloud's shape
``{"error": {"code", "request", "message"}}``, assigns parcel ids and tracking numbers,
serves a small real PDF at each parcel's ``label.label_printer`` URL, and posts signed
``parcel_status_changed`` webhooks. Scripting hooks make it fail (``fail_next``) or refuse
(``reject_next``) the next requests. Shapes follow Sendcloud's v2 reference; message texts
Sendcloud does not document (wrong credentials, the ones marked ASSUMED) are modelled on
its Django REST framework defaults.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fpdf import FPDF

from tests.fakes import serving

STATUSES = {
    999: "No label",
    1000: "Ready to send",
    1: "Announced",
    3: "En route to sorting center",
    5: "Sorted",
    11: "Delivered",
    12: "Awaiting customer pickup",
    80: "Unable to deliver",
    2000: "Cancelled",
}
METHODS = {8: "Unstamped letter", 1343: "PostNL Standard 0-23kg"}
COUNTRIES = {"NL": ("NLD", "Netherlands"), "IT": ("ITA", "Italy"), "DE": ("DEU", "Germany")}
REQUIRED = ("name", "address", "city", "postal_code", "country")
NEEDS_STATE = frozenset({"IT", "US", "CA", "AU"})
MAX_COLLI = 20


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Scripted:
    status: int
    times: int
    message: str
    retry_after: int | None = None
    path: str | None = None


@dataclass
class FakeSendcloud:
    """The fake's state and hooks; ``app`` is the ASGI app, ``base_url`` set once served."""

    public_key: str = "fake-public-key"
    secret_key: str = "fake-secret-key"
    carrier_code: str = "postnl"
    base_url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    parcels: dict[int, dict[str, Any]] = field(default_factory=dict)
    _script: deque[_Scripted] = field(default_factory=deque)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(310_000_001))

    def __post_init__(self) -> None:
        self.app = _build_app(self)

    def fail_next(
        self,
        status: int = 503,
        *,
        times: int = 1,
        retry_after: int | None = None,
        path: str | None = None,
    ) -> None:
        """The next ``times`` API requests (to ``path`` only, if given) answer ``status``
        without doing anything, with Retry-After when given."""
        message = "Too many requests." if status == 429 else "Service unavailable."
        self._script.append(_Scripted(status, times, message, retry_after, path))

    def reject_next(
        self, status: int = 400, message: str = "Invalid address.", *, times: int = 1
    ) -> None:
        """The next ``times`` API requests are refused with Sendcloud's error shape."""
        self._script.append(_Scripted(status, times, message))

    def recover(self) -> None:
        """Forget every scripted failure and rejection still pending."""
        self._script.clear()

    def creation_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/api/v2/parcels"]

    def set_status(self, parcel_id: int, status_id: int) -> dict[str, Any]:
        parcel = self.parcels[parcel_id]
        parcel["status"] = {"id": status_id, "message": STATUSES.get(status_id, "Unknown")}
        return parcel

    async def send_tracking_webhook(
        self, target_url: str, parcel_id: int, status_id: int, secret: str | None = None
    ) -> httpx.Response:
        """Post ``parcel_status_changed`` the way Sendcloud does: the raw JSON body signed
        (hex HMAC-SHA256, ``Sendcloud-Signature``) with the secret key."""
        parcel = self.set_status(parcel_id, status_id)
        now_ms = int(time.time() * 1000)  # ASSUMED: milliseconds, as Sendcloud's samples show
        payload = {
            "action": "parcel_status_changed",
            "timestamp": now_ms,
            "carrier_status_change_timestamp": now_ms,
            "parcel": parcel,
        }
        body = json.dumps(payload).encode()
        key = (secret if secret is not None else self.secret_key).encode()
        signature = hmac.new(key, body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "Sendcloud-Signature": signature}
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(target_url, content=body, headers=headers)

    # ---- behaviour behind the routes -------------------------------------------------

    def scripted_answer(self, path: str) -> Response | None:
        for entry in self._script:
            if entry.path is None or path.startswith(entry.path):
                entry.times -= 1
                if entry.times <= 0:
                    self._script.remove(entry)
                headers = {"Retry-After": str(entry.retry_after)} if entry.retry_after else {}
                return error(entry.status, entry.message, path, headers=headers)
        return None

    def authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.public_key}:{self.secret_key}".encode()).decode()
        return hmac.compare_digest((header or "").encode(), f"Basic {expected}".encode())

    def create(self, data: dict[str, Any], *, form_many: bool) -> list[dict[str, Any]]:
        colli = int(data.get("quantity") or 1)
        reference = data.get("external_reference")
        batch = [
            self._new_parcel(
                data, collo_nr=n, collo_count=colli, reference=reference if n == 0 else None
            )
            for n in range(colli if form_many else 1)
        ]
        for parcel in batch:
            self.parcels[parcel["id"]] = parcel
        return batch

    def _new_parcel(
        self, data: dict[str, Any], *, collo_nr: int, collo_count: int, reference: str | None
    ) -> dict[str, Any]:
        parcel_id = next(self._ids)
        country = str(data["country"]).upper()
        tracking = f"3SFAKE{parcel_id:010d}"
        method = int((data.get("shipment") or {}).get("id") or 8)
        labelled = bool(data.get("request_label"))
        label_url = f"{self.base_url}/api/v2/labels/label_printer/{parcel_id}"
        iso_3, country_name = COUNTRIES.get(country, ("", country))
        return {
            "id": parcel_id,
            "name": data["name"],
            "company_name": data.get("company_name", ""),
            "address": data["address"],
            "address_2": data.get("address_2", ""),
            "address_divided": {
                "street": data["address"],
                "house_number": data.get("house_number", ""),
            },
            "city": data["city"],
            "postal_code": data["postal_code"],
            "telephone": data.get("telephone", ""),
            "email": data.get("email", ""),
            "country": {"iso_2": country, "iso_3": iso_3, "name": country_name},
            "to_state": data.get("country_state"),
            "date_created": datetime.now(UTC).strftime("%d-%m-%Y %H:%M:%S"),
            "order_number": data.get("order_number", ""),
            "external_reference": reference,
            "weight": format(
                Decimal(str(data.get("weight") or "1")).quantize(Decimal("0.001")), "f"
            ),
            "total_order_value": data.get("total_order_value"),
            "total_order_value_currency": data.get("total_order_value_currency"),
            "tracking_number": tracking if labelled else "",
            "tracking_url": (
                f"https://tracking.sendcloud.sc/forward?carrier={self.carrier_code}"
                f"&code={tracking}&destination={country}&lang=en"
                if labelled
                else ""
            ),
            "carrier": {"code": self.carrier_code},
            "shipment": {"id": method, "name": METHODS.get(method, f"Shipping method {method}")},
            "status": {"id": 1000, "message": "Ready to send"}
            if labelled
            else {"id": 999, "message": "No label"},
            "label": (
                {
                    "normal_printer": [
                        f"{label_url.replace('label_printer', 'normal_printer')}?start_from={i}"
                        for i in range(4)
                    ],
                    "label_printer": label_url,
                }
                if labelled
                else {}
            ),
            "collo_nr": collo_nr,
            "collo_count": collo_count,
            "is_return": False,
            "type": "parcel",
        }

    def with_reference(self, reference: str) -> list[dict[str, Any]]:
        return [p for p in self.parcels.values() if p.get("external_reference") == reference]

    def has_reference(self, reference: str) -> bool:
        return bool(self.with_reference(reference))


def error(
    status: int, message: str, path: str, *, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Sendcloud's error shape; ``request`` is the path without its leading slash."""
    body = {"error": {"code": status, "request": path.lstrip("/"), "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def validation_errors(data: Any, *, form_many: bool, taken: Callable[[str], bool]) -> list[str]:
    """What Sendcloud's serializer would say about one parcel of a create request."""
    if not isinstance(data, dict):
        return ["parcel: 'Expected a dictionary of items.'"]
    problems = []
    for name in REQUIRED:
        if name not in data or data[name] is None:
            problems.append(f"{name}: 'This field is required.'")
        elif not str(data[name]).strip():
            problems.append(f"{name}: 'This field cannot be blank.'")
    country = str(data.get("country") or "").upper()
    if country and len(country) != 2:
        problems.append(f"country: '\"{country}\" is not a valid choice.'")
    if country in NEEDS_STATE and not data.get("country_state"):
        problems.append(
            f"to_state: 'This field is required for shipments to {country}.'"
        )  # ASSUMED text
    problems += _weight_errors(data.get("weight"))
    quantity = data.get("quantity", 1)
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_COLLI:
        problems.append(f"quantity: 'Ensure this value is between 1 and {MAX_COLLI}.'")
    elif quantity > 1 and data.get("request_label") and not form_many:
        # Documented rule; the wording is ASSUMED.
        problems.append(
            "quantity: 'Use the multiple parcels request to announce more than one collo.'"
        )
    if data.get("request_label") and not (data.get("shipment") or {}).get("id"):
        problems.append("shipment: 'This field is required when request_label is true.'")
    reference = data.get("external_reference")
    if reference and taken(str(reference)):
        problems.append(
            "external_reference: 'A parcel with this external reference already exists.'"
        )
    return problems


def _weight_errors(weight: Any) -> list[str]:
    if weight is None:
        return []
    try:
        value = Decimal(str(weight))
    except InvalidOperation:
        return ["weight: 'A valid number is required.'"]
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        return ["weight: 'Ensure that there are no more than 3 decimal places.'"]
    if value <= 0:
        return ["weight: 'Ensure this value is greater than 0.'"]
    return []


def label_pdf(parcels: list[dict[str, Any]]) -> bytes:
    """A small real PDF, one page per collo, naming its tracking number."""
    pdf = FPDF(format=(102, 152), unit="mm")  # a 4x6" label
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    for parcel in parcels:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(text=f"FAKE SENDCLOUD LABEL {parcel['tracking_number']}")
    return bytes(pdf.output())


def _build_app(fake: FakeSendcloud) -> FastAPI:
    app = FastAPI(title="fake Sendcloud", openapi_url=None, docs_url=None, redoc_url=None)

    @app.middleware("http")
    async def record_and_guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        body = await request.body()
        fake.requests.append(
            RecordedRequest(
                request.method,
                request.url.path,
                dict(request.query_params),
                {k.lower(): v for k, v in request.headers.items()},
                body,
            )
        )
        path = request.url.path
        scripted = fake.scripted_answer(path)
        if scripted is not None:
            return scripted
        if not fake.authorised(request.headers.get("authorization")):
            message = (
                "Invalid username/password."
                if request.headers.get("authorization")
                else "Authentication credentials were not provided."
            )
            return error(401, message, path, headers={"WWW-Authenticate": 'Basic realm="api"'})
        return await call_next(request)

    @app.post("/api/v2/parcels")
    async def create_parcels(request: Request) -> Response:
        try:
            data = json.loads(await request.body())
        except ValueError:
            return error(400, "JSON parse error.", request.url.path)
        form_many = isinstance(data, dict) and "parcels" in data
        items = _parcels_asked(data)
        if not items:
            return error(400, "parcel: 'This field is required.'", request.url.path)
        taken = fake.has_reference
        problems = [
            p for item in items for p in validation_errors(item, form_many=form_many, taken=taken)
        ]
        if problems:
            return error(400, " ".join(problems), request.url.path)
        created = [parcel for item in items for parcel in fake.create(item, form_many=form_many)]
        return JSONResponse({"parcels": created} if form_many else {"parcel": created[0]})

    @app.get("/api/v2/parcels")
    async def list_parcels(external_reference: str | None = None) -> dict[str, Any]:
        found = (
            fake.with_reference(external_reference)
            if external_reference
            else list(fake.parcels.values())
        )
        return {"next": None, "previous": None, "parcels": found}

    @app.get("/api/v2/parcels/statuses")
    async def statuses() -> list[dict[str, Any]]:
        return [{"id": k, "message": v} for k, v in STATUSES.items()]

    @app.get("/api/v2/parcels/{parcel_id}")
    async def one_parcel(parcel_id: int, request: Request) -> Response:
        if parcel_id not in fake.parcels:
            return error(404, "No Parcel matches the given query.", request.url.path)
        return JSONResponse({"parcel": fake.parcels[parcel_id]})

    @app.get("/api/v2/labels/label_printer")
    async def many_labels(ids: str, request: Request) -> Response:
        wanted = [int(i) for i in ids.split(",") if i.strip().isdigit()]
        return _labels(fake, wanted, request.url.path)

    @app.get("/api/v2/labels/label_printer/{parcel_id}")
    async def one_label(parcel_id: int, request: Request) -> Response:
        return _labels(fake, [parcel_id], request.url.path)

    return app


def _parcels_asked(data: Any) -> list[Any]:
    """``{"parcel": {…}}`` is one parcel; ``{"parcels": [...]}`` the multiple-parcels form."""
    if not isinstance(data, dict):
        return []
    if "parcels" in data:
        many = data["parcels"]
        return many if isinstance(many, list) else []
    return [data["parcel"]] if data.get("parcel") is not None else []


def _labels(fake: FakeSendcloud, ids: list[int], path: str) -> Response:
    parcels = [fake.parcels[i] for i in ids if i in fake.parcels]
    if not parcels or len(parcels) != len(ids):
        return error(404, "No Parcel matches the given query.", path)
    if any(not p["label"] for p in parcels):
        return error(404, "This parcel has no label.", path)
    return Response(label_pdf(parcels), media_type="application/pdf")


@asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[FakeSendcloud]:
    """A ``FakeSendcloud`` served on a free loopback port for the duration of the block."""
    fake = FakeSendcloud(**options)
    async with serving(fake.app) as base_url:
        fake.base_url = base_url
        yield fake
