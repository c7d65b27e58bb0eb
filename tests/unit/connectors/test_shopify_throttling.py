"""Shopify's cost-based throttling and the write-back retry waits."""

from __future__ import annotations

import pytest
from tenacity import RetryCallState

from services.connectors.channels.port import Refused, RetryLater
from services.connectors.config import WriteBackSettings
from services.connectors.retrying import retry_wait
from services.connectors.shopify import throttle

# The THROTTLED answer as Shopify sends it (HTTP 200).
THROTTLED = {
    "errors": [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ],
    "extensions": {
        "cost": {
            "requestedQueryCost": 202,
            "actualQueryCost": None,
            "throttleStatus": {
                "maximumAvailable": 1000.0,
                "currentlyAvailable": 118,
                "restoreRate": 50.0,
            },
        }
    },
}


def test_a_throttled_answer_is_recognised_by_its_error_code():
    assert throttle.is_throttled(THROTTLED)
    assert not throttle.is_throttled({"errors": [{"message": "Field 'x' doesn't exist"}]})
    assert not throttle.is_throttled({"data": {"order": None}})


def test_a_throttled_query_waits_until_the_bucket_holds_its_requested_cost():
    cost = throttle.read_cost(THROTTLED)

    wait = throttle.throttled_wait(cost, fallback_cost=50)

    assert wait == pytest.approx((202 - 118) / 50.0)


def test_no_wait_when_the_bucket_already_holds_enough():
    status = throttle.ThrottleStatus(2000, 500, 100)

    assert throttle.seconds_until_available(status, 10) == 0.0


def test_a_cost_larger_than_the_bucket_waits_only_until_the_bucket_is_full():
    status = throttle.ThrottleStatus(maximum_available=1000, currently_available=0, restore_rate=50)

    assert throttle.seconds_until_available(status, 5000) == pytest.approx(20.0)


def test_a_bucket_that_never_refills_gives_no_wait_hint():
    assert throttle.seconds_until_available(throttle.ThrottleStatus(1000, 0, 0), 10) is None


def test_an_answer_without_cost_has_no_throttle_hint():
    assert throttle.read_cost({"data": {}}) is None
    assert throttle.throttled_wait(None, fallback_cost=10) is None


SETTINGS = WriteBackSettings(
    backoff_initial_seconds=0.5, backoff_max_seconds=8, jitter_seconds=0.1, max_wait_seconds=30
)


def after_failure(error: BaseException, attempt: int) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    state.set_exception((type(error), error, None))
    return state


def test_shopifys_own_wait_hint_is_followed_with_a_little_jitter():
    wait = retry_wait(SETTINGS)(after_failure(RetryLater("THROTTLED", wait_seconds=1.68), 1))

    assert 1.68 <= wait <= 1.68 + 0.1


def test_without_a_hint_the_wait_grows_exponentially_with_jitter():
    wait = retry_wait(SETTINGS)

    first = wait(after_failure(RetryLater("HTTP 503"), 1))
    third = wait(after_failure(RetryLater("HTTP 503"), 3))

    assert 0.5 <= first <= 0.6
    assert 2.0 <= third <= 2.1


def test_no_wait_is_longer_than_the_configured_maximum():
    wait = retry_wait(SETTINGS)(after_failure(RetryLater("HTTP 429", wait_seconds=3600), 1))

    assert wait == 30


def test_a_refusal_is_not_a_retryable_error():
    assert not isinstance(Refused("userErrors"), RetryLater)


def test_error_codes_are_read_from_every_error():
    body = {
        "errors": [
            {"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}},
            {"message": "no extensions"},
            "not an object",
        ]
    }

    assert throttle.error_codes(body) == {"INTERNAL_SERVER_ERROR"}
    assert throttle.error_codes({"errors": "[API] Invalid API key"}) == set()
