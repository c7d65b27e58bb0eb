"""PKCE, the per-second bucket and Etsy webhook signatures: pure."""

from __future__ import annotations

import asyncio
import base64
import heapq
import json
import random
from collections.abc import Awaitable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.connectors.etsy import pkce, webhook
from services.connectors.etsy.ratelimit import PerSecondLimiter, seconds_until_free

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "whsec_" + base64.b64encode(b"lotline-etsy-signing-key").decode()


def test_the_s256_challenge_matches_rfc_7636_appendix_b():
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    assert pkce.challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_a_short_verifier_is_refused():
    with pytest.raises(ValueError, match="43-128"):
        pkce.challenge("too-short")


def test_the_authorize_url_carries_state_and_the_s256_challenge():
    verifier, state = pkce.new_verifier(), pkce.new_state()

    url = pkce.authorize_url(
        "https://www.etsy.com/oauth/connect",
        keystring="kskey",
        redirect_uri="https://lotline.example/api/etsy/oauth/callback",
        state=state,
        verifier=verifier,
    )

    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["code_challenge"] == pkce.challenge(verifier)
    assert query["code_challenge_method"] == "S256" and query["state"] == state
    assert query["client_id"] == "kskey" and query["response_type"] == "code"
    assert "transactions_w" in query["scope"].split()
    assert verifier not in url


class VirtualTime:
    """A clock and a sleep on virtual time: when every task is blocked, time jumps to the
    earliest sleeper's wake-up. The limiter is measured exactly, whatever the machine's load."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._count += 1
        heapq.heappush(self._sleepers, (self.now + seconds, self._count, wake))
        await wake

    async def run(self, work: Awaitable[object]) -> None:
        task = asyncio.ensure_future(work)
        while not task.done():
            for _ in range(20):  # let every task that can run, run (none sleeps for real)
                await asyncio.sleep(0)
            if self._sleepers and not task.done():
                self.now, _, wake = heapq.heappop(self._sleepers)
                wake.set_result(None)
        await task


async def test_the_eleventh_request_waits_a_window_after_the_first_was_answered():
    clock = VirtualTime()
    limiter, log = PerSecondLimiter(10, window=0.2, clock=clock, sleep=clock.sleep), []
    delays = random.Random(7).choices([0.0, 0.01, 0.02, 0.03], k=25)

    async def request(delay: float) -> None:
        async with limiter.slot():
            started = clock()
            await clock.sleep(delay)
        log.append((started, clock()))

    await clock.run(asyncio.gather(*(request(d) for d in delays)))

    starts = sorted(s for s, _ in log)
    answers = sorted(a for _, a in log)
    assert len(log) == 25
    assert starts[9] == starts[0] == 0.0  # ten at once
    # a request starts only once the tenth before it was answered a window ago
    assert all(starts[i + 10] >= answers[i] + 0.2 for i in range(len(starts) - 10))
    assert starts[10] < 0.2 + 0.03 + 1e-9  # and not later than that: it is not just slow


@given(answered=st.floats(0, 100), now=st.floats(0, 200))
def test_a_token_is_free_one_window_after_its_answer(answered: float, now: float):
    wait = seconds_until_free(answered, window=1.0, now=now)

    assert wait >= 0 and (wait == 0) == (now >= answered + 1.0)


def signed(body: bytes, *, at: int, webhook_id: str = "msg_2a1b") -> dict[str, str]:
    return {
        "webhook_id": webhook_id,
        "timestamp": str(at),
        "signature": webhook.sign(body, secret=SECRET, webhook_id=webhook_id, timestamp=at),
    }


def test_a_signed_order_paid_points_to_its_shop_and_receipt():
    body = (FIXTURES / "etsy-webhook-order-paid.json").read_bytes()

    webhook.verify(body, secret=SECRET, now=1_764_000_010, **signed(body, at=1_764_000_000))
    event_type, paid = webhook.read_event(body)

    assert event_type == "order.paid"
    assert paid == webhook.OrderPaid(shop_id="55501234", receipt_id="3987654321")


def test_one_matching_signature_among_several_is_enough():
    body = b'{"event_type":"order.paid","shop_id":1}'
    headers = signed(body, at=1000)
    headers["signature"] = "v1,bm90LXRoaXMtb25l " + headers["signature"]

    webhook.verify(body, secret=SECRET, now=1000, **headers)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"body": b'{"event_type":"order.paid","shop_id":2}'}, "invalid webhook signature"),
        ({"now": 1000 + 301}, "five minutes"),
        ({"signature": None}, "missing"),
        ({"secret": "whsec_" + base64.b64encode(b"another key").decode()}, "invalid"),
    ],
)
def test_tampered_stale_or_unsigned_deliveries_are_refused(change: dict[str, object], reason: str):
    body = b'{"event_type":"order.paid","shop_id":1}'
    arguments: dict[str, object] = {"secret": SECRET, "now": 1000, **signed(body, at=1000)}
    arguments.update(change)
    sent = arguments.pop("body", body)

    with pytest.raises(webhook.BadWebhook, match=reason) as refused:
        webhook.verify(sent, **arguments)  # type: ignore[arg-type]
    assert refused.value.status == 401


def test_the_documented_data_envelope_is_read_too():
    body = json.dumps(
        {"event_type": "ORDER_PAID", "data": {"shop_id": 7, "resource_url": "/shops/7/receipts/9"}}
    ).encode()

    assert webhook.read_event(body) == ("order.paid", webhook.OrderPaid("7", "9"))


def test_a_body_that_is_not_json_is_a_400():
    with pytest.raises(webhook.BadWebhook) as refused:
        webhook.read_event(b"<html>")
    assert refused.value.status == 400
