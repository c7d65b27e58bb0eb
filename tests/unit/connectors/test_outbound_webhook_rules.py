"""Outbound webhooks, the pure parts: the signature a receiver checks (by a hand-computed
HMAC), the URL rule, the ordering key, and what a failed try leads to (backoff growing,
Retry-After honoured and capped, refusals dead at once, the attempt and time budgets)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from services.connectors.outbound_webhooks import delivery_rules, signature_rules
from services.connectors.outbound_webhooks.delivery_rules import GiveUp, Retry, RetryPolicy
from services.connectors.outbound_webhooks.schemas import EventType
from shared.contracts.inventory import LotChanged, LotStatus
from shared.contracts.orders import OrderCancelled, OrderReceived
from shared.contracts.production import OrderPromised
from shared.contracts.trace import RecallIssued
from shared.http_answers import classify
from shared.units import Quantity

SECRET = "whsec_test-secret"
BODY = b'{"id":"d1","type":"order.received"}'


def test_the_signature_is_the_hmac_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1765000000." + BODY, hashlib.sha256).hexdigest()

    assert signature_rules.header(SECRET, 1765000000, BODY) == f"t=1765000000,v1={expected}"


def test_a_receiver_accepts_the_signature_and_rejects_any_change():
    value = signature_rules.header(SECRET, 1765000000, BODY)

    assert signature_rules.verify(SECRET, value, BODY, now=1765000010)
    assert not signature_rules.verify(SECRET, value, BODY + b" ", now=1765000010)
    assert not signature_rules.verify("whsec_other", value, BODY, now=1765000010)
    forged = value.replace("t=1765000000", "t=1765000001")
    assert not signature_rules.verify(SECRET, forged, BODY, now=1765000010)
    assert not signature_rules.verify(SECRET, None, BODY, now=1765000010)
    assert not signature_rules.verify(SECRET, "v1=abc", BODY, now=1765000010)


def test_an_old_timestamp_is_refused_even_when_the_signature_is_right():
    value = signature_rules.header(SECRET, 1765000000, BODY)

    assert signature_rules.verify(SECRET, value, BODY, now=1765000300)
    assert not signature_rules.verify(SECRET, value, BODY, now=1765000301)


NEW_SECRET = "whsec_rotated-secret"


def _hmac(secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + BODY
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def test_after_a_rotation_the_header_carries_one_v1_per_secret_newest_first():
    value = signature_rules.signed_header((NEW_SECRET, SECRET), 1765000000, BODY)

    assert value == (
        f"t=1765000000,v1={_hmac(NEW_SECRET, 1765000000)},v1={_hmac(SECRET, 1765000000)}"
    )
    assert signature_rules.signed_header((SECRET,), 1765000000, BODY) == (
        signature_rules.header(SECRET, 1765000000, BODY)
    )
    with pytest.raises(ValueError):
        signature_rules.signed_header((), 1765000000, BODY)


def test_a_receiver_with_either_secret_accepts_the_two_signature_header():
    value = signature_rules.signed_header((NEW_SECRET, SECRET), 1765000000, BODY)

    assert signature_rules.verify(NEW_SECRET, value, BODY, now=1765000010)
    assert signature_rules.verify(SECRET, value, BODY, now=1765000010)
    assert not signature_rules.verify("whsec_third", value, BODY, now=1765000010)
    assert not signature_rules.verify(SECRET, value, BODY + b" ", now=1765000010)


def test_the_previous_secret_signs_only_until_its_grace_period_ends():
    until = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    before = datetime(2026, 12, 8, 9, 59, 59, tzinfo=UTC)

    both = signature_rules.signing_secrets(NEW_SECRET, SECRET, until, now=before)
    at_end = signature_rules.signing_secrets(NEW_SECRET, SECRET, until, now=until)
    never_rotated = signature_rules.signing_secrets(SECRET, None, None, now=before)

    assert both == (NEW_SECRET, SECRET)
    assert at_end == (NEW_SECRET,)
    assert never_rotated == (SECRET,)
    assert signature_rules.signing_secrets(SECRET, SECRET, until, now=before) == (SECRET,)


def test_secrets_are_new_each_time_and_long():
    one, two = signature_rules.new_secret(), signature_rules.new_secret()
    assert one != two
    assert one.startswith("whsec_") and len(one) >= 40


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://erp.example.com/hooks", True),
        ("http://erp.example.com/hooks", False),
        ("http://127.0.0.1:8080/hooks", True),
        ("http://localhost/hooks", False),  # not in this deployment's list
        ("ftp://erp.example.com/hooks", False),
        ("https://user:pw@erp.example.com/hooks", False),
        ("https:///no-host", False),
    ],
)
def test_only_https_except_to_the_hosts_the_deployment_lists(url: str, allowed: bool):
    problem = delivery_rules.url_problem(url, http_hosts=("127.0.0.1",))
    assert (problem is None) is allowed, problem


def test_every_public_event_type_is_offered_and_keyed_by_what_it_is_about():
    order_id, recall_id = uuid.uuid4(), uuid.uuid4()
    received = OrderReceived(order_id=order_id, channel="manual", external_id="M-1", lines=())
    promised = OrderPromised(order_id=order_id, promised_on=date(2026, 12, 20), reason="stock")
    cancelled = OrderCancelled(order_id=order_id)
    recall = RecallIssued(recall_id=recall_id, reason="x", origin="L-1", lot_codes=("L-1",))
    lot = LotChanged(
        lot_code="L-7",
        item_code="SOAP",
        on_hand=Quantity.of(3, "pc"),
        reserved=Quantity.of(0, "pc"),
        revision=1,
        status=LotStatus.AVAILABLE,
    )

    assert {t.value for t in EventType} == set(delivery_rules.EVENT_TYPES)
    assert [delivery_rules.public_name(e) for e in (received, promised, cancelled)] == [
        "order.received",
        "order.promised",
        "order.cancelled",
    ]
    assert {delivery_rules.ordering_key(e) for e in (received, promised, cancelled)} == {
        f"order:{order_id}"
    }
    assert delivery_rules.ordering_key(recall) == f"recall:{recall_id}"
    assert delivery_rules.ordering_key(lot) == "lot:L-7"


def test_the_body_names_the_delivery_and_carries_the_event():
    delivery_id, event_id = uuid.uuid4(), uuid.uuid4()
    raw = delivery_rules.body(
        delivery_id=delivery_id,
        event_type="order.cancelled",
        event_id=event_id,
        occurred_at=datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
        data={"order_id": "o-1", "reason": None},
    )
    assert json.loads(raw) == {
        "id": str(delivery_id),
        "type": "order.cancelled",
        "event_id": str(event_id),
        "occurred_at": "2026-12-07T10:00:00+00:00",
        "data": {"order_id": "o-1", "reason": None},
    }


POLICY = RetryPolicy(
    attempts=6,
    retry_for_seconds=3600,
    initial_seconds=10,
    max_seconds=300,
    jitter_seconds=0,
    max_hint_seconds=120,
)


def test_backoff_doubles_up_to_its_cap():
    waits = [delivery_rules.wait_after(POLICY, n, None) for n in range(1, 8)]
    assert waits == [10, 20, 40, 80, 160, 300, 300]


def test_jitter_only_adds_and_stays_within_its_bound():
    jittery = RetryPolicy(**{**POLICY.__dict__, "jitter_seconds": 5})
    waits = [delivery_rules.wait_after(jittery, 2, None) for _ in range(50)]
    assert all(20 <= w <= 25 for w in waits)


def test_a_retry_after_is_honoured_and_capped():
    answer = classify(429, {"Retry-After": "7"})
    assert delivery_rules.after_failure(
        POLICY, answer, attempts=1, tried_for_seconds=0, reason="HTTP 429"
    ) == Retry(7)
    long = classify(503, {"Retry-After": "9999"})
    assert delivery_rules.after_failure(
        POLICY, long, attempts=1, tried_for_seconds=0, reason="HTTP 503"
    ) == Retry(120)


def test_a_refusal_is_dead_at_once():
    outcome = delivery_rules.after_failure(
        POLICY, classify(404), attempts=1, tried_for_seconds=0, reason="HTTP 404"
    )
    assert outcome == GiveUp("refused: HTTP 404")


def test_the_attempts_and_the_time_budget_bound_the_retries():
    fail = classify(500)
    assert isinstance(
        delivery_rules.after_failure(POLICY, fail, attempts=5, tried_for_seconds=0, reason="x"),
        Retry,
    )
    assert isinstance(
        delivery_rules.after_failure(POLICY, fail, attempts=6, tried_for_seconds=0, reason="x"),
        GiveUp,
    )
    # the 3rd wait (40s) would end past the hour the policy tries for
    late = delivery_rules.after_failure(
        POLICY, fail, attempts=3, tried_for_seconds=3580, reason="x"
    )
    assert isinstance(late, GiveUp) and "still failing" in late.reason


def test_a_subscription_is_disabled_after_the_set_run_of_dead_deliveries():
    assert not delivery_rules.disables(2, disable_after=3)
    assert delivery_rules.disables(3, disable_after=3)
    assert not delivery_rules.disables(100, disable_after=0)  # 0: never


DOCS = Path(__file__).resolve().parents[3] / "docs" / "outbound-webhooks.md"


def test_the_documented_python_verification_accepts_our_signature_and_nothing_else():
    """The snippet a receiver copies from the docs, run as written (its secret replaced)."""
    source = DOCS.read_text(encoding="utf-8")
    snippet = source.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, Any] = {}
    exec(compile(snippet.replace('"whsec_…"', repr(SECRET)), str(DOCS), "exec"), scope)
    now = int(time.time())
    header = signature_rules.header(SECRET, now, BODY)

    assert scope["verified"](BODY, header) is True
    assert scope["verified"](BODY + b"x", header) is False
    assert scope["verified"](BODY, signature_rules.header(SECRET, now - 600, BODY)) is False
    assert scope["verified"](BODY, None) is False
