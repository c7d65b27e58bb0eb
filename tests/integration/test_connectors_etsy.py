"""Etsy on the real PostgreSQL against the fake Etsy API over loopback HTTP, through the
connectors' own client, token store, poller and write-back (nothing patched)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.connectors import tables as t
from services.connectors.channels.port import Refused
from services.connectors.channels.registry import Channels
from services.connectors.config import WriteBackSettings
from services.connectors.etsy import poller, repository, service, tokens
from services.connectors.etsy.budget import etsy_api
from services.connectors.etsy.channel import EtsyChannel
from services.connectors.etsy.client import DailyBudgetSpent, EtsyApi
from services.connectors.etsy.config import EtsySettings
from services.connectors.write_back import shipped_orders
from shared.consuming import apply_once
from shared.contracts.envelope import Envelope
from shared.contracts.orders import ShipmentDispatched, ShippedLot
from shared.units import Quantity
from tests.fakes.etsy import FakeEtsy, receipt, running_fake
from tests.integration.advisory_locks import racing_one_refresh

FAST = WriteBackSettings(
    poll_interval_seconds=0.05,
    max_attempts=4,
    backoff_initial_seconds=0.01,
    backoff_max_seconds=0.05,
    jitter_seconds=0.01,
    max_wait_seconds=2.0,
    http_timeout_seconds=5.0,
    lease_seconds=30.0,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeEtsy]:
    async with running_fake(keystring=f"ks{uuid.uuid4().hex[:12]}") as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def etsy_channels(settings: EtsySettings) -> Channels:
    """The Etsy adapter with these settings, as the write-back worker would be given it."""
    return Channels([EtsyChannel(settings)])


def settings_for(fake: FakeEtsy, **changes: Any) -> EtsySettings:
    return EtsySettings(
        keystring=fake.keystring,
        shared_secret=fake.shared_secret,
        api_base_url=fake.api_base_url,
        token_url=fake.token_url,
        authorize_url=fake.authorize_url,
        redirect_uri="https://lotline.example/api/etsy/oauth/callback",
        **changes,
    )


def shop_id() -> int:
    return random.randint(10**7, 10**8)


async def connected_shop(
    engine: AsyncEngine, fake: FakeEtsy, *, expired: bool = False
) -> tuple[str, dict[str, Any]]:
    """A shop holding tokens issued by the fake (as after the OAuth callback)."""
    sid = shop_id()
    fake.shop(sid)
    await service.connect_shop(engine, shop_id=str(sid), poll_on_webhook=True)
    issued = fake.issue_tokens()
    expires = datetime.now(UTC) + timedelta(seconds=-60 if expired else 3600)
    async with engine.begin() as conn:
        await repository.save_tokens(
            conn,
            str(sid),
            access_token=issued["access_token"],
            expires_at=expires,
            refresh_token=issued["refresh_token"],
        )
    return str(sid), issued


async def shop_row(engine: AsyncEngine, sid: str) -> Any:
    async with engine.connect() as conn:
        return await repository.shop(conn, sid)


async def published_receipts(engine: AsyncEngine, sid: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(t.OUTBOX.c.envelope["payload"]["external_id"].astext).where(
                t.OUTBOX.c.event_type == "connectors.inbound_order_received",
                t.OUTBOX.c.envelope["payload"]["shop"].astext == f"etsy-{sid}",
            )
        )
        return sorted(r[0] for r in rows)


async def test_the_oauth_flow_with_pkce_connects_the_shop(connectors_engine, fake, http):
    settings = settings_for(fake)
    sid = str(shop_id())
    await service.connect_shop(connectors_engine, shop_id=sid, poll_on_webhook=True)

    url, state = await service.start_authorization(connectors_engine, sid, settings)
    consent = await http.get(url)  # the seller clicks "Allow access"
    callback = parse_qs(urlsplit(consent.headers["location"]).query)
    assert callback["state"] == [state]
    connected = await service.finish_authorization(
        connectors_engine, http, settings, code=callback["code"][0], state=state
    )

    row = await shop_row(connectors_engine, sid)
    assert connected == sid and row.refresh_token and row.access_token
    assert row.access_expires_at > datetime.now(UTC) + timedelta(minutes=55)
    [exchange] = fake.requests_to("POST", "/oauth/token")
    assert exchange.form["grant_type"] == "authorization_code" and exchange.status == 200
    assert len(exchange.form["code_verifier"]) >= 43
    with pytest.raises(service.AuthorizationFailed, match="state"):  # a state works once
        await service.finish_authorization(
            connectors_engine, http, settings, code=callback["code"][0], state=state
        )


async def test_a_code_exchanged_with_the_wrong_verifier_is_refused(connectors_engine, fake, http):
    settings = settings_for(fake)
    sid = str(shop_id())
    await service.connect_shop(connectors_engine, shop_id=sid, poll_on_webhook=True)
    url, state = await service.start_authorization(connectors_engine, sid, settings)
    async with connectors_engine.begin() as conn:  # someone swaps the stored verifier
        await conn.execute(
            t.etsy_oauth_state.update()
            .where(t.etsy_oauth_state.c.state == state)
            .values(code_verifier="x" * 64)
        )
    code = parse_qs(urlsplit((await http.get(url)).headers["location"]).query)["code"][0]

    with pytest.raises(service.AuthorizationFailed, match="code_verifier"):
        await service.finish_authorization(
            connectors_engine, http, settings, code=code, state=state
        )
    assert (await shop_row(connectors_engine, sid)).refresh_token is None


async def test_concurrent_refreshes_spend_the_refresh_token_once(connectors_engine, fake, http):
    settings = settings_for(fake)
    sid, issued = await connected_shop(connectors_engine, fake, expired=True)
    api = etsy_api(connectors_engine, http, settings)
    got = await racing_one_refresh(
        connectors_engine,
        fake.token_answers,
        lambda: tokens.access_token(connectors_engine, api, sid, margin_seconds=300),
    )

    row = await shop_row(connectors_engine, sid)
    assert fake.refresh_tokens_spent == [issued["refresh_token"]]
    assert fake.rejected_refresh_tokens == []
    assert set(got) == {row.access_token} and row.access_token != issued["access_token"]
    assert row.refresh_token != issued["refresh_token"] and row.refresh_count == 2


async def test_the_spent_refresh_token_is_refused_by_the_fake(connectors_engine, fake, http):
    """The fake is faithful: without the row lock, the second refresh would fail."""
    settings = settings_for(fake)
    _, issued = await connected_shop(connectors_engine, fake, expired=True)
    api = etsy_api(connectors_engine, http, settings)

    await api.refresh(issued["refresh_token"])
    with pytest.raises(Exception, match="invalid_grant"):
        await api.refresh(issued["refresh_token"])


class Crash(BaseException):
    """The process dying: nothing after it runs, nothing of its transaction commits."""


class CrashAfterEtsyAnswers:
    """Etsy rotates the refresh token and answers; the process dies before our commit."""

    def __init__(self, api: Any) -> None:
        self._api = api

    async def refresh(self, refresh_token: str) -> Any:
        await self._api.refresh(refresh_token)
        raise Crash


async def test_a_refresh_cut_off_after_etsy_answered_tells_the_operator_to_reconnect(
    connectors_engine, fake, http
):
    sid, issued = await connected_shop(connectors_engine, fake, expired=True)
    api = etsy_api(connectors_engine, http, settings_for(fake))

    with pytest.raises(Crash):
        await tokens.refresh(
            connectors_engine, cast(EtsyApi, CrashAfterEtsyAnswers(api)), sid, margin_seconds=300
        )
    assert fake.refresh_tokens_spent == [issued["refresh_token"]]  # rotated at Etsy, lost here

    for _ in range(2):  # and it keeps saying so, not a bare invalid_grant the second time
        with pytest.raises(Refused, match=r"cut off before its new token was stored.*connect"):
            await tokens.access_token(connectors_engine, api, sid, margin_seconds=300)

    again = fake.issue_tokens()  # the operator connects the shop again
    async with connectors_engine.begin() as conn:
        await repository.save_tokens(
            conn,
            sid,
            access_token=again["access_token"],
            expires_at=datetime.now(UTC) - timedelta(seconds=60),
            refresh_token=again["refresh_token"],
        )
    fresh = await tokens.access_token(connectors_engine, api, sid, margin_seconds=300)
    assert fresh == (await shop_row(connectors_engine, sid)).access_token
    async with connectors_engine.connect() as conn:
        assert await repository.refresh_in_doubt(conn, sid) is None


async def test_a_refresh_token_etsy_refuses_outright_is_named_as_refused_not_cut_off(
    connectors_engine, fake, http
):
    sid, issued = await connected_shop(connectors_engine, fake, expired=True)
    api = etsy_api(connectors_engine, http, settings_for(fake))
    await api.refresh(issued["refresh_token"])  # spent elsewhere: revoked, as far as we know

    for _ in range(2):
        with pytest.raises(Refused, match="Etsy refused the refresh token") as refused:
            await tokens.access_token(connectors_engine, api, sid, margin_seconds=300)
        assert "cut off" not in str(refused.value)


async def test_polling_resumes_from_the_watermark_and_never_publishes_twice(
    connectors_engine, fake, http
):
    settings = settings_for(fake, page_limit=2, overlap_seconds=60)
    sid, _ = await connected_shop(connectors_engine, fake)
    api = etsy_api(connectors_engine, http, settings)
    start = int(time.time()) - 3600
    for n in range(5):
        fake.add_receipt(
            int(sid), receipt(3_900_000_000 + n, [("CANDLE", 1, 990)], updated=start + n)
        )
    fake.add_receipt(
        int(sid),
        receipt(
            3_900_000_010, [("CANDLE", 1, 990)], status="Open", is_paid=False, updated=start + 5
        ),
    )

    first = await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)
    again = await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)
    fake.modify_receipt(int(sid), 3_900_000_010, status="Paid", is_paid=True, updated=start + 100)
    fake.add_receipt(int(sid), receipt(3_900_000_020, [("CANDLE", 2, 990)], updated=start + 101))
    third = await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)

    assert (first.pages, first.receipts, first.published, first.watermark) == (3, 6, 5, start + 5)
    assert (again.published, again.watermark) == (0, start + 5)
    assert (third.published, third.watermark) == (2, start + 101)
    receipts_calls = fake.requests_to("GET", "/receipts")
    assert receipts_calls[3].params["min_last_modified"] == str(start + 5 - 60)  # overlap
    assert receipts_calls[-1].params["min_last_modified"] == str(start + 5 - 60)
    assert {c.params.get("offset") for c in receipts_calls[:3]} == {"0", "2", "4"}
    assert await published_receipts(connectors_engine, sid) == sorted(
        [str(3_900_000_000 + n) for n in range(5)] + ["3900000010", "3900000020"]
    )
    assert (await shop_row(connectors_engine, sid)).receipts_watermark == start + 101


async def test_two_polls_at_once_publish_each_receipt_once(connectors_engine, fake, http):
    settings = settings_for(fake, page_limit=3)
    sid, _ = await connected_shop(connectors_engine, fake)
    api = etsy_api(connectors_engine, http, settings)
    for n in range(7):
        fake.add_receipt(int(sid), receipt(3_800_000_000 + n, [("CANDLE", 1, 990)]))

    results = await asyncio.gather(
        *(
            poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)
            for _ in range(3)
        )
    )

    assert sum(r.published for r in results) == 7
    assert len(await published_receipts(connectors_engine, sid)) == 7


async def test_a_receipt_cancelled_before_payment_never_becomes_an_order(
    connectors_engine, fake, http
):
    settings = settings_for(fake)
    sid, _ = await connected_shop(connectors_engine, fake)
    api = etsy_api(connectors_engine, http, settings)
    fake.add_receipt(
        int(sid), receipt(3_700_000_001, [("CANDLE", 1, 990)], status="Canceled", is_paid=False)
    )

    result = await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)

    assert result.published == 0
    async with connectors_engine.connect() as conn:
        row = await repository.receipt(conn, sid, "3700000001")
    assert (row.status, row.outcome) == ("canceled", "ended_unpublished")


async def test_a_poll_that_keeps_failing_leaves_the_watermark_and_says_why(
    connectors_engine, fake, http
):
    settings = settings_for(fake)
    sid, _ = await connected_shop(connectors_engine, fake)
    api = etsy_api(connectors_engine, http, settings)
    fake.fail_always(503)

    with pytest.raises(Exception, match="HTTP 503"):
        await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)

    row = await shop_row(connectors_engine, sid)
    assert row.receipts_watermark is None and "HTTP 503" in row.last_poll_error
    assert len(fake.requests_to("GET", "/receipts")) == FAST.max_attempts


async def test_a_burst_of_calls_is_spread_to_ten_a_second_and_never_throttled(
    connectors_engine, fake, http
):
    settings = settings_for(fake)
    sid, issued = await connected_shop(connectors_engine, fake)
    fake.add_receipt(int(sid), receipt(3_600_000_001, [("CANDLE", 1, 990)]))
    api = etsy_api(connectors_engine, http, settings)
    started = time.monotonic()

    answers = await asyncio.gather(
        *(api.shop_receipt(issued["access_token"], sid, "3600000001") for _ in range(25))
    )

    elapsed = time.monotonic() - started
    assert all(a["receipt_id"] == 3_600_000_001 for a in answers)
    assert [r.status for r in fake.requests_to("GET", "/receipts/")] == [200] * 25
    assert elapsed >= 2.0  # 25 calls at 10/s: the third ten waits two windows


async def test_a_429_is_retried_after_etsys_retry_after(connectors_engine, fake, http):
    settings = settings_for(fake)
    sid, _ = await connected_shop(connectors_engine, fake)
    api = etsy_api(connectors_engine, http, settings)
    fake.add_receipt(int(sid), receipt(3_500_000_001, [("CANDLE", 1, 990)]))
    fake.fail_next(429, 1, path_contains="/receipts", retry_after=0.3)
    started = time.monotonic()

    result = await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)

    assert result.published == 1
    assert [r.status for r in fake.requests_to("GET", "/receipts")] == [429, 200]
    assert time.monotonic() - started >= 0.3


async def test_the_day_budget_is_persisted_and_stops_calls_once_spent(
    connectors_engine, fake, http
):
    settings = settings_for(fake, per_day=3)
    sid, issued = await connected_shop(connectors_engine, fake)
    fake.add_receipt(int(sid), receipt(3_400_000_001, [("CANDLE", 1, 990)]))

    for _ in range(3):
        await etsy_api(connectors_engine, http, settings).shop_receipt(
            issued["access_token"], sid, "3400000001"
        )
    with pytest.raises(DailyBudgetSpent):
        await etsy_api(connectors_engine, http, settings).shop_receipt(
            issued["access_token"], sid, "3400000001"
        )

    async with connectors_engine.connect() as conn:
        calls = await repository.calls_on(
            conn, keystring=fake.keystring, day=datetime.now(UTC).date()
        )
    assert calls == 3 and len(fake.requests_to("GET", "/receipts/")) == 3


def dispatched(sid: str, receipt_id: str, *, tracking: str) -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=uuid.uuid4(),
        shipment_id=uuid.uuid4(),
        channel="etsy",
        shop=f"etsy-{sid}",
        external_id=receipt_id,
        carrier="sendcloud",
        carrier_company="PostNord",
        tracking_number=tracking,
        lots=(
            ShippedLot(
                line_no=1,
                external_line_id="1",
                item_code="CANDLE",
                lot_code="L-1",
                quantity=Quantity.of(1, "pc"),
            ),
        ),
        completes_order=True,
    )


async def etsy_write_back(engine: AsyncEngine, event: ShipmentDispatched) -> Any:
    await apply_once(engine, shipped_orders.stage_for_shipment, Envelope.wrap(event), event)
    async with engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(t.write_back).where(t.write_back.c.shipment_id == event.shipment_id)
            )
        ).one()


async def test_a_shipment_is_written_back_with_create_receipt_shipment_once(
    connectors_engine, fake, http
):
    settings = settings_for(fake)
    sid, _ = await connected_shop(connectors_engine, fake, expired=True)
    fake.add_receipt(int(sid), receipt(3_300_000_001, [("CANDLE", 1, 990)]))
    fake.fail_next(503, 1, path_contains="/tracking")
    row = await etsy_write_back(
        connectors_engine, dispatched(sid, "3300000001", tracking="PN123SE")
    )

    await shipped_orders.perform(
        connectors_engine, http, FAST, write_back_id=row.id, channels=etsy_channels(settings)
    )
    await shipped_orders.perform(
        connectors_engine, http, FAST, write_back_id=row.id, channels=etsy_channels(settings)
    )

    [shipment] = fake.shipments(int(sid), 3_300_000_001)
    assert (shipment["tracking_code"], shipment["carrier_name"]) == ("PN123SE", "postnord")
    async with connectors_engine.connect() as conn:
        done = (
            await conn.execute(sa.select(t.write_back).where(t.write_back.c.id == row.id))
        ).one()
    assert (done.kind, done.status) == ("etsy_shipment", "done")
    assert done.external_fulfillment_id == str(shipment["receipt_shipping_id"])
    [creation] = [r for r in fake.requests_to("POST", "/tracking") if r.status == 200]
    assert creation.headers["x-api-key"] == f"{fake.keystring}:{fake.shared_secret}"


async def test_a_lost_answer_then_replay_never_ships_twice_on_etsy(connectors_engine, fake, http):
    settings = settings_for(fake)
    sid, _ = await connected_shop(connectors_engine, fake)
    fake.add_receipt(int(sid), receipt(3_300_000_002, [("CANDLE", 1, 990)]))
    row = await etsy_write_back(connectors_engine, dispatched(sid, "3300000002", tracking="PN9"))
    await shipped_orders.perform(
        connectors_engine, http, FAST, write_back_id=row.id, channels=etsy_channels(settings)
    )
    async with connectors_engine.begin() as conn:  # as if the answer had been lost: dead
        await conn.execute(
            t.write_back.update().where(t.write_back.c.id == row.id).values(status="dead")
        )

    await shipped_orders.replay(connectors_engine, row.id)
    await shipped_orders.perform(
        connectors_engine, http, FAST, write_back_id=row.id, channels=etsy_channels(settings)
    )

    assert len(fake.shipments(int(sid), 3_300_000_002)) == 1
    assert len([r for r in fake.requests_to("POST", "/tracking") if r.status == 200]) == 1


async def test_a_receipt_refunded_after_it_became_an_order_is_cancelled_once_and_listed(
    connectors_engine, fake, http
):
    settings = settings_for(fake)
    sid, _ = await connected_shop(connectors_engine, fake)
    api = etsy_api(connectors_engine, http, settings)
    fake.add_receipt(int(sid), receipt(3_200_000_001, [("CANDLE", 1, 990)]))
    await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)
    fake.modify_receipt(int(sid), 3_200_000_001, status="Fully Refunded")

    again = await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)

    [ended] = await service.receipts(
        connectors_engine, sid, outcome="ended_after_publish", limit=10
    )
    assert (ended.receipt_id, ended.status, again.published) == ("3200000001", "fully refunded", 0)
    assert await published_receipts(connectors_engine, sid) == ["3200000001"]
    await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)
    async with connectors_engine.connect() as conn:
        cancellations = (
            await conn.execute(
                sa.select(t.OUTBOX.c.envelope["payload"]).where(
                    t.OUTBOX.c.event_type == "connectors.channel_order_cancelled",
                    t.OUTBOX.c.envelope["payload"]["shop"].astext == f"etsy-{sid}",
                )
            )
        ).scalars()
        [cancelled] = list(cancellations)
    assert (cancelled["channel"], cancelled["external_id"]) == ("etsy", "3200000001")


async def test_an_unreadable_receipt_is_kept_never_blocks_the_others_and_is_read_once_fixed(
    connectors_engine, fake, http
):
    settings = settings_for(fake)
    sid, _ = await connected_shop(connectors_engine, fake)
    api = etsy_api(connectors_engine, http, settings)
    bad = fake.add_receipt(int(sid), receipt(3_100_000_001, [("CANDLE", 1, 990)]))
    good = receipt(3_100_000_002, [("CANDLE", 1, 990)])
    fake.add_receipt(int(sid), good)
    bad["transactions"][0]["price"] = {"amount": 9.9, "divisor": 1, "currency_code": "EUR"}

    first = await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)
    [kept] = await service.receipts(connectors_engine, sid, outcome="unreadable", limit=10)
    fixed = [dict(t, price=good["transactions"][0]["price"]) for t in bad["transactions"]]
    fake.modify_receipt(int(sid), 3_100_000_001, transactions=fixed)
    second = await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)

    assert first.published == 1 and "price.amount must be an integer" in kept.problem
    assert second.published == 1
    assert await published_receipts(connectors_engine, sid) == ["3100000001", "3100000002"]


async def test_a_token_etsy_refuses_before_its_time_is_refreshed_once_and_the_poll_goes_on(
    connectors_engine, fake, http
):
    settings = settings_for(fake)
    sid, issued = await connected_shop(connectors_engine, fake)
    async with connectors_engine.begin() as conn:  # the seller revoked it; we still hold it
        await conn.execute(
            t.etsy_shop.update().where(t.etsy_shop.c.shop_id == sid).values(access_token="revoked")
        )
    fake.add_receipt(int(sid), receipt(3_000_000_001, [("CANDLE", 1, 990)]))
    api = etsy_api(connectors_engine, http, settings)

    result = await poller.poll_shop(connectors_engine, api, sid, settings=settings, retries=FAST)

    assert result.published == 1
    assert fake.refresh_tokens_spent == [issued["refresh_token"]]
    assert [r.status for r in fake.requests_to("GET", "/receipts")] == [401, 200]


async def test_a_throttling_storm_dead_letters_the_write_back_and_a_replay_ships_it_once(
    connectors_engine, fake, http
):
    settings = settings_for(fake)
    sid, _ = await connected_shop(connectors_engine, fake)
    fake.add_receipt(int(sid), receipt(2_900_000_001, [("CANDLE", 1, 990)]))
    fake.fail_next(429, FAST.max_attempts, path_contains="/receipts/", retry_after=0.05)
    row = await etsy_write_back(connectors_engine, dispatched(sid, "2900000001", tracking="PN77"))

    await shipped_orders.perform(
        connectors_engine, http, FAST, write_back_id=row.id, channels=etsy_channels(settings)
    )
    async with connectors_engine.connect() as conn:
        dead = (
            await conn.execute(sa.select(t.write_back).where(t.write_back.c.id == row.id))
        ).one()
    await shipped_orders.replay(connectors_engine, row.id)
    await shipped_orders.perform(
        connectors_engine, http, FAST, write_back_id=row.id, channels=etsy_channels(settings)
    )

    assert (dead.status, dead.attempts) == ("dead", FAST.max_attempts)
    assert dead.last_error.startswith("HTTP 429")
    assert len(fake.shipments(int(sid), 2_900_000_001)) == 1
