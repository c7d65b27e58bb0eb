"""One classifier for every outside HTTP answer (Shopify, Etsy, carriers)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from shared.http_answers import Answer, Verdict, classify, retry_after_seconds

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        ("2.5", 2.5),  # fractional: the carriers' old isdigit() parse dropped it
        (" 0.25 ", 0.25),
        ("0", 0.0),
        ("-4", 0.0),  # never a negative wait
        ("Wed, 25 Nov 2026 12:00:04 GMT", 4.0),
        ("Wed, 25 Nov 2026 11:00:00 GMT", 0.0),  # a date in the past: go now
    ],
)
def test_retry_after_is_seconds_fractional_or_not_or_an_http_date(header, seconds):
    assert retry_after_seconds(header, now=NOW) == seconds


@pytest.mark.parametrize("header", [None, "", "   ", "soon", "nan", "inf", "Wed, 99 Foo"])
def test_a_retry_after_that_says_nothing_usable_gives_no_hint(header):
    assert retry_after_seconds(header, now=NOW) is None


@pytest.mark.parametrize("status", [200, 201, 204])
def test_a_2xx_is_ok(status):
    assert classify(status, {}) == Answer(Verdict.OK)


@pytest.mark.parametrize("status", [408, 425, 500, 502, 503, 504])
def test_timeouts_and_server_errors_are_retried_without_being_throttles(status):
    answer = classify(status, {"Retry-After": "1.5"}, now=NOW)

    assert answer == Answer(Verdict.RETRY, throttled=False, wait_seconds=1.5)
    assert answer.retryable


@pytest.mark.parametrize("status", [301, 400, 401, 403, 404, 409, 422])
def test_other_answers_are_refused_and_their_retry_after_is_ignored(status):
    answer = classify(status, {"Retry-After": "5"}, now=NOW)

    assert answer == Answer(Verdict.REFUSED)
    assert not answer.retryable


def test_a_429_is_a_throttle_with_the_services_own_wait_read_from_real_headers():
    headers = httpx.Headers({"retry-after": "Wed, 25 Nov 2026 12:00:02 GMT"})

    assert classify(429, headers, now=NOW) == Answer(Verdict.RETRY, throttled=True, wait_seconds=2)
    assert classify(429, {}) == Answer(Verdict.RETRY, throttled=True, wait_seconds=None)


def test_a_marketplace_throttle_body_in_a_200_is_a_retryable_throttle():
    answer = classify(200, {}, throttled=True)

    assert answer == Answer(Verdict.RETRY, throttled=True, wait_seconds=None)
