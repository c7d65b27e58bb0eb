"""The carrier port, the manual carrier, and the pure parts of the Sendcloud adapter."""

from __future__ import annotations

import json
from decimal import Decimal
from uuid import UUID

import httpx
import pytest
from pydantic import BaseModel, SecretStr
from tenacity import RetryCallState

from services.orders.carriers import (
    CarrierNotConfigured,
    CarrierRejected,
    CarrierSettings,
    CarrierUnavailable,
    ManualCarrier,
    ParcelRequest,
    Recipient,
    SendcloudCarrier,
    UnknownCarrier,
    carrier_for,
    retry_policy,
    sendcloud_webhook_key,
)
from services.orders.carriers.port import weight_in_kg
from services.orders.carriers.retrying import RetryPolicy, raise_for_answer, wait_seconds
from services.orders.carriers.sendcloud import (
    TrackingUpdate,
    WebhookInvalid,
    parcel_payload,
    parse_tracking_webhook,
    sign_webhook,
    verify_webhook,
)
from shared.units import Money, Quantity

SHIPMENT = UUID("6a1d7c2e-0000-4000-8000-000000000001")
ROSSI = Recipient(
    name="Anna Rossi",
    address_lines=("Via Roma 12",),
    city="Roma",
    postal_code="00184",
    country_code="it",
    province="RM",
    email="anna@example.com",
)


def request(*weights: str, **changes: object) -> ParcelRequest:
    parcels = tuple(Quantity.of(*w.split()) for w in weights or ("1.2 kg",))
    fields = {"shipment_id": SHIPMENT, "order_number": "#1001", "recipient": ROSSI}
    return ParcelRequest(**{**fields, "parcels": parcels, **changes})  # type: ignore[arg-type]


# ---- the port ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "declared"),
    [
        ("1.5 kg", "1.500"),
        ("250 g", "0.250"),
        ("1234.5 g", "1.235"),  # rounded up: never declare less than it weighs
        ("0.1 g", "0.001"),
        ("2 kg", "2.000"),
    ],
)
def test_weights_are_declared_in_kilograms_with_three_decimals(weight, declared):
    assert format(weight_in_kg(Quantity.of(*weight.split())), "f") == declared


def test_a_shipment_needs_a_parcel_with_a_positive_weight():
    with pytest.raises(ValueError, match="at least one parcel"):
        request(parcels=())
    with pytest.raises(ValueError, match="parcel 2: the weight must be positive"):
        request("1 kg", "0 g")
    with pytest.raises(ValueError, match="parcel 1: weight in 'pc'"):
        request("3 pc")


# ---- manual carrier ---------------------------------------------------------------------


async def test_the_manual_carrier_records_what_staff_typed_and_makes_no_label():
    carrier = ManualCarrier()

    created = await carrier.create_parcel(
        request(
            tracking_number="  BRT123456 ",
            tracking_url="https://vas.brt.it/vas/sped_det_show.hsm?ref=BRT123456",
            service="BRT",
        )
    )

    assert created.carrier == "manual"
    assert created.carrier_reference == str(SHIPMENT)
    assert created.tracking_number == "BRT123456"
    assert created.tracking_url == "https://vas.brt.it/vas/sped_det_show.hsm?ref=BRT123456"
    assert created.carried_by == "BRT"
    assert created.label_pdf is None
    assert await carrier.label(created) is None


@pytest.mark.parametrize("typed", [None, "", "   "])
async def test_the_manual_carrier_refuses_a_shipment_without_a_tracking_number(typed):
    with pytest.raises(CarrierRejected, match="tracking number"):
        await ManualCarrier().create_parcel(request(tracking_number=typed))


async def test_the_manual_carrier_refuses_a_tracking_link_that_is_not_a_web_address():
    with pytest.raises(CarrierRejected, match="http"):
        await ManualCarrier().create_parcel(
            request(tracking_number="X1", tracking_url="javascript:alert(1)")
        )


# ---- Sendcloud request body -------------------------------------------------------------


def test_one_parcel_is_sent_as_sendclouds_parcel_object():
    body = parcel_payload(
        request("1234.5 g", total_value=Money.of("42.5", "EUR")), default_method_id=8
    )

    assert body == {
        "parcel": {
            "name": "Anna Rossi",
            "address": "Via Roma 12",
            "city": "Roma",
            "postal_code": "00184",
            "country": "IT",
            "country_state": "RM",
            "email": "anna@example.com",
            "order_number": "#1001",
            "weight": "1.235",
            "request_label": True,
            "shipment": {"id": 8},
            "external_reference": str(SHIPMENT),
            "total_order_value": "42.50",
            "total_order_value_currency": "EUR",
        }
    }


def test_several_parcels_are_one_multicollo_request_declaring_the_heaviest_weight():
    body = parcel_payload(request("2 kg", "3500 g", "1 kg", service="1343"), default_method_id=8)

    [parcel] = body["parcels"]
    assert parcel["quantity"] == 3
    assert parcel["weight"] == "3.500"
    assert parcel["shipment"] == {"id": 1343}
    assert "parcel" not in body


def test_a_sendcloud_service_must_be_a_shipping_method_id():
    with pytest.raises(CarrierRejected, match="shipping method id"):
        parcel_payload(request(service="express please"), default_method_id=8)


def test_sendcloud_takes_at_most_twenty_parcels_in_one_shipment():
    with pytest.raises(CarrierRejected, match="at most 20"):
        parcel_payload(request(*["1 kg"] * 21), default_method_id=8)


# ---- Sendcloud webhooks -----------------------------------------------------------------

# Sendcloud's own documented example; checked with
#   printf '%s' '{"key": "value"}' | openssl dgst -sha256 -hmac secretkey
DOC_BODY = b'{"key": "value"}'
DOC_SIGNATURE = "1eed4b3d41f4653ac64fd56f1bf1cbfd349e4482cbc11dff7134bd93e5da4b0a"


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    assert sign_webhook(DOC_BODY, "secretkey") == DOC_SIGNATURE
    assert verify_webhook(DOC_BODY, DOC_SIGNATURE, "secretkey")
    assert verify_webhook(DOC_BODY, DOC_SIGNATURE.upper(), "secretkey")


@pytest.mark.parametrize(
    ("body", "header", "secret"),
    [
        (DOC_BODY, DOC_SIGNATURE, "another-key"),
        (b'{"key":"value"}', DOC_SIGNATURE, "secretkey"),  # re-serialised: not what was signed
        (DOC_BODY, None, "secretkey"),
        (DOC_BODY, "", "secretkey"),
        (DOC_BODY, DOC_SIGNATURE, ""),
    ],
)
def test_a_webhook_with_a_wrong_or_missing_signature_is_refused(body, header, secret):
    assert not verify_webhook(body, header, secret)


def status_changed(status_id: int, message: str) -> dict[str, object]:
    return {
        "action": "parcel_status_changed",
        "timestamp": 1767225600000,
        "parcel": {
            "id": 310000042,
            "tracking_number": "3SFAKE0310000042",
            "status": {"id": status_id, "message": message},
        },
    }


def test_status_eleven_means_delivered():
    update = parse_tracking_webhook(status_changed(11, "Delivered"))

    assert update == TrackingUpdate("310000042", 11, "Delivered", delivered=True)


def test_a_status_on_the_way_is_not_delivered_and_raw_bodies_parse_too():
    body = json.dumps(status_changed(3, "En route to sorting center")).encode()

    update = parse_tracking_webhook(body)

    assert update is not None
    assert (update.status_id, update.delivered) == (3, False)


def test_other_webhook_actions_are_not_tracking_updates():
    assert parse_tracking_webhook({"action": "integration_connected"}) is None


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "parcel_status_changed", "parcel": {"id": 1}},
        {"action": "parcel_status_changed"},
        b"not json",
        b"[1, 2]",
    ],
)
def test_an_unreadable_status_webhook_is_invalid(payload):
    with pytest.raises(WebhookInvalid):
        parse_tracking_webhook(payload)


# ---- retry timing -----------------------------------------------------------------------


def test_a_fractional_retry_after_from_the_carrier_is_kept():
    answer = httpx.Response(503, headers={"Retry-After": "1.5"})

    with pytest.raises(CarrierUnavailable) as raised:
        raise_for_answer(answer, "label")

    assert raised.value.retry_after == 1.5


def test_a_timeout_answer_is_retried_and_a_bad_request_is_rejected():
    with pytest.raises(CarrierUnavailable) as raised:
        raise_for_answer(httpx.Response(408), "label")
    assert raised.value.retry_after is None
    with pytest.raises(CarrierRejected):
        raise_for_answer(httpx.Response(400), "label")
    raise_for_answer(httpx.Response(201), "label")  # 2xx passes


def failed_attempt(error: BaseException, number: int = 1) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = number
    state.set_exception((type(error), error, None))
    return state


def test_the_carriers_retry_after_is_honoured_up_to_a_cap():
    wait = wait_seconds(RetryPolicy(initial_seconds=0.1, max_seconds=1, max_retry_after_seconds=20))

    assert wait(failed_attempt(CarrierUnavailable("429", retry_after=7))) == 7
    assert wait(failed_attempt(CarrierUnavailable("429", retry_after=600))) == 20
    assert 0 < wait(failed_attempt(CarrierUnavailable("503"), number=3)) <= 1


# ---- the registry -----------------------------------------------------------------------


def configured(**changes: object) -> CarrierSettings:
    return CarrierSettings(
        sendcloud_public_key=SecretStr("pk"), sendcloud_secret_key=SecretStr("sk"), **changes
    )


def test_the_registry_knows_the_manual_carrier_and_sendcloud():
    assert isinstance(carrier_for("manual", CarrierSettings()), ManualCarrier)
    assert isinstance(carrier_for("Sendcloud", configured()), SendcloudCarrier)


def test_an_unknown_carrier_names_the_known_ones():
    with pytest.raises(UnknownCarrier, match="known carriers: manual, sendcloud"):
        carrier_for("pigeon-post", CarrierSettings())


def test_sendcloud_without_keys_is_not_configured():
    with pytest.raises(CarrierNotConfigured, match="SENDCLOUD_PUBLIC_KEY"):
        carrier_for("sendcloud", CarrierSettings())


def test_sendcloud_keys_only_travel_over_https_or_to_loopback():
    loopback = configured(sendcloud_base_url="http://127.0.0.1:9000/")

    assert isinstance(carrier_for("sendcloud", loopback), SendcloudCarrier)
    with pytest.raises(CarrierNotConfigured, match="https"):
        carrier_for("sendcloud", configured(sendcloud_base_url="http://panel.sendcloud.sc"))


class BareSettings(BaseModel):
    """Only the four fields the registry needs, like ``shared.settings.CarrierSettings``."""

    sendcloud_base_url: str = "https://panel.sendcloud.sc"
    sendcloud_public_key: SecretStr | None = SecretStr("pk")
    sendcloud_secret_key: SecretStr | None = SecretStr("sk")
    sendcloud_default_method_id: int = 8


class TunedSettings(BareSettings):
    sendcloud_attempts: int = 2
    sendcloud_retry_max_seconds: float = 0.25


def test_any_settings_with_the_four_sendcloud_fields_will_do():
    assert isinstance(carrier_for("sendcloud", BareSettings()), SendcloudCarrier)
    assert retry_policy(BareSettings()) == RetryPolicy()
    assert retry_policy(TunedSettings()) == RetryPolicy(attempts=2, max_seconds=0.25)
    with pytest.raises(CarrierNotConfigured, match="https"):
        carrier_for("sendcloud", BareSettings(sendcloud_base_url="http://example.com"))


def test_webhooks_are_checked_with_the_webhook_key_or_else_the_secret_key():
    assert sendcloud_webhook_key(configured()) == "sk"
    assert sendcloud_webhook_key(configured(sendcloud_webhook_secret=SecretStr("wk"))) == "wk"
    assert sendcloud_webhook_key(BareSettings()) == "sk"
    assert sendcloud_webhook_key(CarrierSettings()) is None


def test_retry_timing_comes_from_settings():
    policy = retry_policy(configured(sendcloud_attempts=2, sendcloud_retry_max_seconds=0.5))

    assert (policy.attempts, policy.max_seconds) == (2, 0.5)
    assert Decimal(str(policy.initial_seconds)) == Decimal("0.5")
