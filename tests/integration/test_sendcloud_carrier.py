"""The real Sendcloud client against the local fake over HTTP on loopback: no patching."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI, Request
from pydantic import SecretStr

from services.orders.carriers import (
    CarrierRejected,
    CarrierSettings,
    CarrierUnavailable,
    ParcelCreated,
    ParcelRequest,
    Recipient,
    SendcloudCarrier,
    carrier_for,
)
from services.orders.carriers.sendcloud import (
    SIGNATURE_HEADER,
    TrackingUpdate,
    parse_tracking_webhook,
    verify_webhook,
)
from shared.units import Quantity
from tests.fakes import serving
from tests.fakes.sendcloud import FakeSendcloud, running_fake

ROSSI = Recipient(
    name="Anna Rossi",
    address_lines=("Via Roma 12", "Scala B"),
    city="Roma",
    postal_code="00184",
    country_code="IT",
    province="RM",
    email="anna@example.com",
    phone="+39 06 1234567",
)


def shipment(*weights: str, **changes: Any) -> ParcelRequest:
    """A shipment to Anna Rossi; ``changes`` alter her address."""
    return ParcelRequest(
        shipment_id=uuid4(),
        order_number="#1001",
        recipient=replace(ROSSI, **changes),
        parcels=tuple(Quantity.of(*w.split()) for w in weights or ("1.2 kg",)),
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeSendcloud]:
    async with running_fake() as served:
        yield served


def settings_for(fake: FakeSendcloud, *, secret: str | None = None, attempts: int = 4):
    return CarrierSettings(
        sendcloud_base_url=fake.base_url,
        sendcloud_public_key=SecretStr(fake.public_key),
        sendcloud_secret_key=SecretStr(secret or fake.secret_key),
        sendcloud_attempts=attempts,
        sendcloud_retry_initial_seconds=0.01,
        sendcloud_retry_max_seconds=0.05,
        sendcloud_max_retry_after_seconds=0.05,
        sendcloud_timeout_seconds=5,
    )


def sendcloud(fake: FakeSendcloud, **options) -> SendcloudCarrier:
    carrier = carrier_for("sendcloud", settings_for(fake, **options))
    assert isinstance(carrier, SendcloudCarrier)
    return carrier


async def test_a_parcel_is_created_with_tracking_and_its_label(fake):
    request = shipment("1234.5 g")

    created = await sendcloud(fake).create_parcel(request)

    [parcel] = fake.parcels.values()
    assert created == ParcelCreated(
        carrier="sendcloud",
        carrier_reference=str(parcel["id"]),
        tracking_number=parcel["tracking_number"],
        tracking_url=parcel["tracking_url"],
        label_pdf=created.label_pdf,
        carried_by="postnl",
    )
    assert created.tracking_number
    assert created.label_pdf is not None
    assert created.label_pdf.startswith(b"%PDF")
    sent = fake.creation_requests()[0]
    expected_auth = base64.b64encode(f"{fake.public_key}:{fake.secret_key}".encode()).decode()
    assert sent.authorization == f"Basic {expected_auth}"
    assert sent.json()["parcel"]["weight"] == "1.235"
    assert sent.json()["parcel"]["address_2"] == "Scala B"
    assert sent.json()["parcel"]["external_reference"] == str(request.shipment_id)
    label_fetch = fake.requests[-1]
    assert label_fetch.path == f"/api/v2/labels/label_printer/{parcel['id']}"
    assert label_fetch.authorization == sent.authorization


async def test_the_label_can_be_fetched_again_later(fake):
    carrier = sendcloud(fake)
    created = await carrier.create_parcel(shipment())

    again = await carrier.label(created)

    assert again == created.label_pdf


async def test_several_parcels_become_one_multicollo_shipment_with_all_labels(fake):
    created = await sendcloud(fake).create_parcel(shipment("2 kg", "3.5 kg"))

    assert len(fake.parcels) == 2
    assert [p["collo_count"] for p in fake.parcels.values()] == [2, 2]
    assert created.carrier_reference == str(min(fake.parcels))
    assert created.label_pdf is not None
    assert created.label_pdf.count(b"/Type /Page\n") == 2


async def test_wrong_keys_are_rejected_with_sendclouds_message(fake):
    with pytest.raises(CarrierRejected, match=r"Invalid username/password\."):
        await sendcloud(fake, secret="not-the-secret").create_parcel(shipment())

    assert fake.parcels == {}
    assert len(fake.creation_requests()) == 1  # a rejection is not retried


async def test_a_missing_field_is_rejected_naming_it(fake):
    with pytest.raises(CarrierRejected, match=r"city: 'This field cannot be blank\.'"):
        await sendcloud(fake).create_parcel(shipment(city=""))

    assert fake.parcels == {}


async def test_an_address_the_carrier_refuses_is_rejected_with_its_message(fake):
    fake.reject_next(400, "Invalid postal code for Italy.")

    with pytest.raises(CarrierRejected, match=r"Invalid postal code for Italy\."):
        await sendcloud(fake).create_parcel(shipment())


async def test_two_unavailable_answers_then_one_parcel(fake):
    fake.fail_next(503, times=2)

    created = await sendcloud(fake).create_parcel(shipment())

    assert len(fake.parcels) == 1
    assert created.carrier_reference == str(next(iter(fake.parcels)))
    assert created.label_pdf is not None


async def test_a_parcel_created_before_its_answer_was_lost_is_found_not_duplicated(fake):
    carrier = sendcloud(fake)
    request = shipment()
    first = await carrier.create_parcel(request)

    again = await carrier.create_parcel(request)  # e.g. the caller retried after a crash

    assert len(fake.parcels) == 1
    assert again.carrier_reference == first.carrier_reference


async def test_rate_limited_forever_gives_up_quickly_after_bounded_retries(fake):
    fake.fail_next(429, times=1000, retry_after=1)
    started = time.monotonic()

    with pytest.raises(CarrierUnavailable, match="after 4 attempts"):
        await sendcloud(fake, attempts=4).create_parcel(shipment())

    assert time.monotonic() - started < 2
    assert len([r for r in fake.requests if r.path.startswith("/api/v2/parcels")]) == 4
    assert fake.parcels == {}


async def test_a_label_that_cannot_be_fetched_yet_leaves_the_parcel_created(fake):
    fake.fail_next(503, times=1000, path="/api/v2/labels")
    carrier = sendcloud(fake)

    created = await carrier.create_parcel(shipment())

    assert created.tracking_number
    assert created.label_pdf is None
    fake.recover()
    assert (await carrier.label(created) or b"").startswith(b"%PDF")


async def test_the_tracking_webhook_is_signed_like_sendcloud_and_parsed(fake):
    created = await sendcloud(fake).create_parcel(shipment())
    received: list[TrackingUpdate | None] = []
    receiver = FastAPI()

    @receiver.post("/webhooks/sendcloud")
    async def sendcloud_webhook(request: Request) -> dict[str, bool]:
        body = await request.body()
        valid = verify_webhook(body, request.headers.get(SIGNATURE_HEADER), fake.secret_key)
        received.append(parse_tracking_webhook(body) if valid else None)
        return {"ok": valid}

    async with serving(receiver) as base_url:
        parcel_id = int(created.carrier_reference)
        good = await fake.send_tracking_webhook(f"{base_url}/webhooks/sendcloud", parcel_id, 11)
        forged = await fake.send_tracking_webhook(
            f"{base_url}/webhooks/sendcloud", parcel_id, 11, secret="guessed"
        )

    assert good.json() == {"ok": True}
    assert forged.json() == {"ok": False}
    assert received == [TrackingUpdate(created.carrier_reference, 11, "Delivered", True), None]


async def test_italy_needs_the_province_as_sendcloud_requires(fake):
    with pytest.raises(CarrierRejected, match="to_state"):
        await sendcloud(fake).create_parcel(shipment(province=None))
