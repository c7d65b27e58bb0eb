"""Customer e-mails: the language chosen, every kind rendered in Italian and English, dates in
the customer's words, markup escaped, and the message the sender hands to SMTP."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import aiosmtplib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.orders.notifications import (
    InvalidNotification,
    Kind,
    MailSettings,
    choose_locale,
    render,
    should_mail,
)
from services.orders.notifications.locales import long_date
from services.orders.notifications.message import build_message, recipient_address, wire
from services.orders.notifications.sender import is_transient
from services.orders.notifications.store import notification_id

ORDER = UUID("0b7c2a57-8d1e-4c5e-9a57-3f3c6a1d2e10")

CONTEXTS: dict[Kind, dict[str, Any]] = {
    Kind.ORDER_CONFIRMED: {"promised_on": "2026-12-04"},
    Kind.SHIPMENT_DISPATCHED: {
        "carrier": "BRT",
        "tracking_number": "BRT-0042",
        "tracking_url": "https://tracking.example/BRT-0042",
    },
    Kind.ORDER_DELIVERED: {},
    Kind.ORDER_CANCELLED: {"reason": "customer"},
    Kind.PROMISE_SLIPPED: {
        "previous_promised_on": "2026-12-04",
        "promised_on": "2026-12-11",
        "reason": "materials_late",
    },
}

SUBJECTS = {
    ("it", Kind.ORDER_CONFIRMED): "Il suo ordine #1001 è confermato",
    ("it", Kind.SHIPMENT_DISPATCHED): "Il suo ordine #1001 è in viaggio",
    ("it", Kind.ORDER_DELIVERED): "Il suo ordine #1001 è stato consegnato",
    ("it", Kind.ORDER_CANCELLED): "Il suo ordine #1001 è stato annullato",
    ("it", Kind.PROMISE_SLIPPED): "Nuova data di consegna per il suo ordine #1001",
    ("en", Kind.ORDER_CONFIRMED): "Your order #1001 is confirmed",
    ("en", Kind.SHIPMENT_DISPATCHED): "Your order #1001 is on its way",
    ("en", Kind.ORDER_DELIVERED): "Your order #1001 has been delivered",
    ("en", Kind.ORDER_CANCELLED): "Your order #1001 has been cancelled",
    ("en", Kind.PROMISE_SLIPPED): "A new delivery date for your order #1001",
}


def context(kind: Kind, **extra: Any) -> dict[str, Any]:
    return {
        "order_number": "#1001",
        "customer_name": "Maria Rossi",
        "shop_name": "Saponificio Lavanda",
        **CONTEXTS[kind],
        **extra,
    }


@pytest.mark.parametrize(
    ("customer_locale", "country_code", "expected"),
    [
        ("it", None, "it"),
        ("it-IT", None, "it"),
        ("it_IT", "DE", "it"),
        ("IT-ch", None, "it"),
        (None, "IT", "it"),
        ("", "it", "it"),
        ("en-GB", "IT", "en"),
        ("de-DE", "IT", "en"),
        ("fr", None, "en"),
        (None, "FR", "en"),
        (None, None, "en"),
    ],
)
def test_writes_in_italian_to_italian_speakers_and_in_english_otherwise(
    customer_locale, country_code, expected
):
    assert choose_locale(customer_locale, country_code) == expected


def test_an_unsupported_language_falls_back_to_the_default_given():
    assert choose_locale("de", None, default="it") == "it"


@pytest.mark.parametrize("locale", ["it", "en"])
@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_renders_a_subject_a_text_and_an_html_part(kind, locale):
    mail = render(kind, locale, context(kind))

    assert mail.subject == SUBJECTS[(locale, kind)]
    assert "#1001" in mail.text
    assert "Maria Rossi" in mail.text
    assert "Saponificio Lavanda" in mail.text
    assert mail.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{locale}">' in mail.html
    assert "<strong>#1001</strong>" in mail.html
    assert "Saponificio Lavanda" in mail.html


def test_italian_dates_are_written_in_italian():
    mail = render(Kind.ORDER_CONFIRMED, "it", context(Kind.ORDER_CONFIRMED))

    assert "Prevediamo di consegnarlo entro venerdì 4 dicembre 2026." in mail.text
    assert "venerdì 4 dicembre 2026" in mail.html


def test_english_dates_are_written_in_english():
    mail = render(Kind.ORDER_CONFIRMED, "en", context(Kind.ORDER_CONFIRMED))

    assert "We expect it to reach you by Friday 4 December 2026." in mail.text


def test_a_confirmation_without_a_promised_date_says_the_date_will_follow():
    it = render(Kind.ORDER_CONFIRMED, "it", context(Kind.ORDER_CONFIRMED, promised_on=None))
    en = render(Kind.ORDER_CONFIRMED, "en", {"order_number": "#1001"})

    assert "Le comunicheremo la data di consegna non appena sarà definita." in it.text
    assert "We will write to you with the delivery date as soon as it is set." in en.text
    assert "entro" not in it.text


def test_a_slipped_promise_names_both_dates_and_the_reason():
    mail = render(Kind.PROMISE_SLIPPED, "it", context(Kind.PROMISE_SLIPPED))

    assert "non arriverà entro venerdì 4 dicembre 2026" in mail.text
    assert "Ora prevediamo di consegnarlo entro venerdì 11 dicembre 2026." in mail.text
    assert "Motivo: una materia prima è arrivata in ritardo" in mail.text


def test_a_cancellation_gives_free_text_reasons_as_written_and_hides_internal_ones():
    written = render(
        Kind.ORDER_CANCELLED, "en", context(Kind.ORDER_CANCELLED, reason="The lavender failed")
    )
    hidden = render(Kind.ORDER_CANCELLED, "en", context(Kind.ORDER_CANCELLED, reason="fraud"))

    assert "Reason: The lavender failed" in written.text
    assert "Reason" not in hidden.text


def test_a_shipment_mail_gives_carrier_tracking_number_and_link():
    mail = render(Kind.SHIPMENT_DISPATCHED, "it", context(Kind.SHIPMENT_DISPATCHED))

    assert "affidato al corriere BRT" in mail.text
    assert "Numero di tracciamento: BRT-0042" in mail.text
    assert "https://tracking.example/BRT-0042" in mail.text
    assert '<a href="https://tracking.example/BRT-0042"' in mail.html


def test_a_partial_shipment_says_the_rest_will_follow():
    mail = render(Kind.SHIPMENT_DISPATCHED, "en", context(Kind.SHIPMENT_DISPATCHED, partial=True))

    assert mail.subject == "Part of your order #1001 is on its way"
    assert "The remaining items will follow in another parcel" in mail.text


def test_a_shipment_mail_never_carries_lot_codes():
    with pytest.raises(InvalidNotification, match="lots"):
        render(Kind.SHIPMENT_DISPATCHED, "en", context(Kind.SHIPMENT_DISPATCHED, lots=["L-1"]))


def test_a_tracking_link_that_is_not_a_web_address_is_left_out():
    mail = render(
        Kind.SHIPMENT_DISPATCHED,
        "en",
        context(Kind.SHIPMENT_DISPATCHED, tracking_url="javascript:alert(1)"),
    )

    assert "javascript" not in mail.html
    assert "javascript" not in mail.text


def test_a_customer_name_is_escaped_in_html_and_kept_as_written_in_text():
    name = "<script>alert('x')</script> Rossi"

    mail = render(Kind.ORDER_DELIVERED, "it", context(Kind.ORDER_DELIVERED, customer_name=name))

    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Rossi" in mail.html
    assert f"Gentile {name}," in mail.text


def test_a_subject_stays_on_one_line_whatever_the_order_number():
    mail = render(Kind.ORDER_DELIVERED, "en", {"order_number": "#1001\r\nBcc: x@example.com"})

    assert "\n" not in mail.subject
    assert "\r" not in mail.subject


def test_a_customer_without_a_name_is_greeted_politely():
    it = render(Kind.ORDER_DELIVERED, "it", {"order_number": "#7"})
    en = render(Kind.ORDER_DELIVERED, "en", {"order_number": "#7"})

    assert it.text.startswith("Gentile cliente,\n")
    assert en.text.startswith("Hello,\n")


def test_a_missing_value_is_refused_rather_than_rendered_empty():
    with pytest.raises(InvalidNotification, match="carrier"):
        render(Kind.SHIPMENT_DISPATCHED, "en", {"order_number": "#1001"})
    with pytest.raises(InvalidNotification, match="unknown notification kind"):
        render("order_teleported", "en", {"order_number": "#1001"})
    with pytest.raises(InvalidNotification, match="locale"):
        render(Kind.ORDER_DELIVERED, "de", {"order_number": "#1001"})


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_long_dates_name_the_weekday_day_month_and_year(day):
    italian, english = long_date(day, "it"), long_date(day.isoformat(), "en")

    assert italian.endswith(str(day.year)) and english.endswith(str(day.year))
    assert english.split()[0] == day.strftime("%A")  # the C locale's names are English
    assert len(italian.split()) == 4


def test_channels_that_mail_their_customers_themselves_are_not_mailed():
    settings = MailSettings(disabled_channels=["shopify"])

    assert not should_mail("shopify", settings)
    assert not should_mail("Shopify", settings)
    assert should_mail("etsy", settings)
    assert should_mail("shopify", MailSettings())


def test_the_message_is_multipart_alternative_with_a_message_id_from_the_notification():
    nid = notification_id(ORDER, Kind.ORDER_CONFIRMED, "")
    mail = render(Kind.ORDER_CONFIRMED, "it", context(Kind.ORDER_CONFIRMED))

    message = build_message(
        nid, recipient="maria@example.it", locale="it", mail=mail, settings=MailSettings()
    )
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)

    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Message-ID"] == f"<{nid.hex}@lotline.local>"
    assert parsed["Subject"] == "Il suo ordine #1001 è confermato"
    assert parsed["Content-Language"] == "it"
    text, html = (part.get_content() for part in parsed.iter_parts())
    assert "venerdì 4 dicembre 2026" in text
    assert "<strong>#1001</strong>" in html


def test_non_ascii_names_and_long_subjects_travel_encoded_and_read_back_whole():
    nid = notification_id(ORDER, Kind.ORDER_CONFIRMED, "")
    mail = render(Kind.ORDER_CONFIRMED, "it", context(Kind.ORDER_CONFIRMED))
    subject = "Il suo ordine è confermato: " + "crème brûlée e cantucci " * 6
    settings = MailSettings(from_address="Pasticceria Dolcè Vita <ordini@dolce.example>")

    message = build_message(
        nid,
        recipient="Zoë Müller <zoe@example.de>",
        locale="it",
        mail=mail.__class__(**{**mail.__dict__, "subject": subject}),
        settings=settings,
    )
    wire = message.as_bytes()
    parsed = message_from_bytes(wire, policy=policy.default)

    assert wire.isascii()  # headers as RFC 2047 words, bodies quoted-printable
    assert all(len(line) <= 998 for line in wire.split(b"\n"))
    assert parsed["Subject"] == subject
    assert parsed["From"].addresses[0].display_name == "Pasticceria Dolcè Vita"
    assert parsed["From"].addresses[0].addr_spec == "ordini@dolce.example"
    assert parsed["To"].addresses[0].display_name == "Zoë Müller"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Lotline-Notification"] == str(nid)


def test_the_same_fact_always_has_the_same_notification_id():
    assert notification_id(ORDER, "shipment_dispatched", "s-1") == notification_id(
        ORDER, "shipment_dispatched", "s-1"
    )
    assert notification_id(ORDER, "shipment_dispatched", "s-1") != notification_id(
        ORDER, "shipment_dispatched", "s-2"
    )


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (aiosmtplib.SMTPConnectError("no server"), True),
        (aiosmtplib.SMTPServerDisconnected("gone"), True),
        (aiosmtplib.SMTPResponseException(421, "try later"), True),
        (aiosmtplib.SMTPResponseException(451, "greylisted"), True),
        (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "no", "a@b")]),
         False),
        (aiosmtplib.SMTPResponseException(554, "rejected"), False),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), False),
        (InvalidNotification("missing carrier"), False),
    ],
)  # fmt: skip
def test_only_temporary_smtp_failures_are_retried(error, transient):
    assert is_transient(error) is transient


@pytest.mark.parametrize(
    ("recipient", "sender", "subject"),
    [
        ("maria@example.it", "Lotline <orders@lotline.local>", None),
        ("Zoë Müller <zoe@example.de>", "Pasticceria Dolcè Vita <ordini@dolce.example>", None),
        ("Anna <a@b.example>", "Lotline <orders@lotline.local>", "plain but long " * 8),
        ("Anna <a@b.example>", "Lotline <orders@lotline.local>", "crème brûlée " * 9),
    ],
)
def test_the_wire_form_is_byte_for_byte_what_aiosmtplib_would_send(recipient, sender, subject):
    nid = notification_id(ORDER, Kind.ORDER_CONFIRMED, "")
    mail = render(Kind.ORDER_CONFIRMED, "it", context(Kind.ORDER_CONFIRMED))
    if subject is not None:
        mail = mail.__class__(**{**mail.__dict__, "subject": subject})
    message = build_message(
        nid,
        recipient=recipient,
        locale="it",
        mail=mail,
        settings=MailSettings(from_address=sender),
    )

    assert wire(message) == aiosmtplib.email.flatten_message(message)
    assert recipient_address(str(message["To"])) == recipient_address(recipient)
    assert recipient_address("Zoë Müller <zoe@example.de>") == "zoe@example.de"
