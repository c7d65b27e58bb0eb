"""Amazon's per-operation token buckets on virtual time, and how the client sorts Amazon's
answers (429 QuotaExceeded, 5xx, 403, the rate header) — no wall clock, no network."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from services.connectors.amazon.client import InvalidGrant, InvalidToken, Seller, SpApi
from services.connectors.amazon.config import AmazonSettings, OperationRate
from services.connectors.amazon.ratelimit import Bucket, OperationLimiter, header_rate
from services.connectors.channels.port import Refused, RetryLater
from tests.fakes.amazon import QUOTA_EXCEEDED, errors


class VirtualTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    bucket = Bucket(rate=0.5, burst=30, tokens=0.0, updated=0.0)
    assert bucket.seconds_until_token(0.0) == pytest.approx(2.0)
    assert bucket.seconds_until_token(1.0) == pytest.approx(1.0)
    bucket.refill(1000.0)
    assert bucket.tokens == 30.0


async def test_get_orders_has_a_burst_of_20_then_one_a_minute() -> None:
    time = VirtualTime()
    limiter = OperationLimiter(clock=time.clock, sleep=time.sleep)
    for _ in range(20):
        await limiter.take("S1", "getOrders", rate=0.0167, burst=20)
    assert time.slept == []
    await limiter.take("S1", "getOrders", rate=0.0167, burst=20)
    assert sum(time.slept) == pytest.approx(1 / 0.0167)
    # another seller and another operation have buckets of their own
    await limiter.take("S2", "getOrders", rate=0.0167, burst=20)
    await limiter.take("S1", "getOrderItems", rate=0.5, burst=30)
    assert sum(time.slept) == pytest.approx(1 / 0.0167)


async def test_the_rate_header_is_obeyed_and_a_429_empties_the_bucket() -> None:
    time = VirtualTime()
    limiter = OperationLimiter(clock=time.clock, sleep=time.sleep)
    await limiter.take("S1", "getOrderItems", rate=0.5, burst=1)
    limiter.observe("S1", "getOrderItems", "2.0")  # Amazon says 2/s applies to us
    await limiter.take("S1", "getOrderItems", rate=0.5, burst=1)
    assert time.slept == [pytest.approx(0.5)]
    assert limiter.throttled("S1", "getOrderItems") == pytest.approx(0.5)
    await limiter.take("S1", "getOrderItems", rate=0.5, burst=1)
    assert time.slept[-1] == pytest.approx(0.5)


@pytest.mark.parametrize("value", [None, "", "fast", "0", "-1", "inf", "nan"])
def test_a_rate_header_that_is_not_a_positive_rate_is_ignored(value: str | None) -> None:
    assert header_rate(value) is None
    assert header_rate("0.0167") == pytest.approx(0.0167)


def client_answering(
    *answers: httpx.Response, time: VirtualTime
) -> tuple[SpApi, OperationLimiter, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    settings = AmazonSettings(
        lwa_token_url="https://lwa.test/auth/o2/token",
        get_order_items=OperationRate(rate=0.5, burst=30),
    )
    limiter = OperationLimiter(clock=time.clock, sleep=time.sleep)
    return SpApi(http, settings, limiter=limiter), limiter, seen


SELLER = Seller(seller_id="A1SELLER", endpoint="https://sp.test")


async def test_a_429_quota_exceeded_is_retry_later_with_the_refill_time_as_hint() -> None:
    time = VirtualTime()
    answer = httpx.Response(429, json=QUOTA_EXCEEDED, headers={"x-amzn-RateLimit-Limit": "0.5"})
    api, _, seen = client_answering(answer, time=time)
    with pytest.raises(RetryLater) as raised:
        await api.get_order_items(SELLER, "Atza|t", "302-1234567-7654321")
    assert raised.value.wait_seconds == pytest.approx(2.0)
    assert "QuotaExceeded" in str(raised.value)
    assert seen[0].headers["x-amz-access-token"] == "Atza|t"


async def test_5xx_is_retry_later_403_unauthorized_is_an_invalid_token_400_is_refused() -> None:
    time = VirtualTime()
    api, _, _ = client_answering(
        httpx.Response(503, json=errors("InternalFailure", "try again")),
        httpx.Response(403, json=errors("Unauthorized", "Access to requested resource is denied.")),
        httpx.Response(400, json=errors("InvalidInput", "bad")),
        time=time,
    )
    with pytest.raises(RetryLater):
        await api.get_order_items(SELLER, "t", "1")
    with pytest.raises(InvalidToken):
        await api.get_order_items(SELLER, "t", "1")
    with pytest.raises(Refused, match="InvalidInput"):
        await api.get_order_items(SELLER, "t", "1")


async def test_get_orders_pages_by_next_token_alone() -> None:
    time = VirtualTime()
    first = {"payload": {"Orders": [{"AmazonOrderId": "1"}], "NextToken": "abc"}}
    second = {"payload": {"Orders": [], "LastUpdatedBefore": "2026-12-01T10:00:00Z"}}
    api, _, seen = client_answering(
        httpx.Response(200, json=first), httpx.Response(200, json=second), time=time
    )
    after = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    page = await api.get_orders(
        SELLER, "t", marketplace_ids=["M1", "M2"], last_updated_after=after, page_size=50
    )
    assert page.next_token == "abc"
    await api.get_orders(
        SELLER,
        "t",
        marketplace_ids=["M1", "M2"],
        last_updated_after=after,
        page_size=50,
        next_token="abc",
    )
    assert dict(seen[0].url.params) == {
        "MarketplaceIds": "M1,M2",
        "LastUpdatedAfter": "2026-12-01T09:00:00Z",
        "MaxResultsPerPage": "50",
    }
    assert dict(seen[1].url.params) == {"MarketplaceIds": "M1,M2", "NextToken": "abc"}


async def test_login_with_amazon_invalid_grant_is_its_own_refusal() -> None:
    time = VirtualTime()
    api, _, seen = client_answering(
        httpx.Response(400, json={"error": "invalid_grant", "error_description": "revoked"}),
        httpx.Response(200, json={"access_token": "Atza|new", "expires_in": 3600}),
        time=time,
    )
    with pytest.raises(InvalidGrant, match="invalid_grant: revoked"):
        await api.refresh(client_id="c", client_secret="s", refresh_token="Atzr|r")
    grant = await api.refresh(client_id="c", client_secret="s", refresh_token="Atzr|r")
    assert grant.access_token == "Atza|new"
    assert b"grant_type=refresh_token" in seen[1].content
