"""Minimum remaining shelf life over the real system (issue 17 §2): a channel's 30-day rule
makes FEFO skip the lot expiring in 10 days; with only that lot the order is short and says
why; a customer's own rule wins over its channel's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from services.cli.main import app
from tests.e2e.conftest import System, eventually, json_of

pytestmark = pytest.mark.e2e

CUSTOMER = "Bottega Verdi"
EMAIL = "ordini@bottega.example"


@pytest.fixture
async def manual_30_days(gateway: httpx.AsyncClient) -> AsyncIterator[dict[str, Any]]:
    """The manual channel asks for 30 days while the test runs (the system is shared)."""
    rule = await json_of(
        await gateway.put("/api/shelf-life-rules/channel/manual", json={"min_days": 30})
    )
    try:
        yield rule
    finally:
        await gateway.delete("/api/shelf-life-rules/channel/manual")


async def item_with_lots(gateway: httpx.AsyncClient, *days_left: int) -> str:
    """A fresh item with one 10 kg lot per expiry, ``days_left`` from today."""
    code = f"HONEY-{uuid.uuid4().hex[:8].upper()}"
    item = {"code": code, "name": "Honey", "kind": "finished_good", "base_unit": "kg"}
    await json_of(await gateway.post("/api/items", json=item))
    today = datetime.now(UTC).date()
    for days in days_left:
        lot = {
            "item_code": code,
            "lot_code": f"{code}-D{days}",
            "quantity": "10",
            "unit": "kg",
            "expires_on": (today + timedelta(days=days)).isoformat(),
        }
        await json_of(await gateway.post("/api/lots", json=lot))
    return code


async def place(gateway: httpx.AsyncClient, item: str, *, email: str = EMAIL) -> str:
    body = {
        "source": "phone",
        "customer": {"name": CUSTOMER, "email": email},
        "lines": [{"item_code": item, "quantity": "6", "unit": "kg"}],
    }
    answer = await eventually(  # connectors learn the item from inventory's event
        lambda: gateway.post(
            "/api/manual-orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        ),
        lambda a: a.status_code != 422,
        timeout=30,
    )
    return str((await json_of(answer))["order_id"])


async def settled(gateway: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    """The order once inventory answered it (ready to ship, or waiting for production)."""
    answer = await eventually(
        lambda: gateway.get(f"/api/orders/{order_id}"),
        lambda a: a.status_code == 200 and a.json()["status"] not in ("received", "on_hold"),
    )
    order: dict[str, Any] = answer.json()
    return order


async def reserved_lots(gateway: httpx.AsyncClient, order_id: str) -> dict[str, Decimal]:
    rows = await json_of(await gateway.get("/api/reservations", params={"order_id": order_id}))
    return {r["lot_code"]: Decimal(r["quantity"]) for r in rows}


async def test_a_30_day_channel_rule_skips_the_short_lot_or_says_why_it_is_short(
    gateway: httpx.AsyncClient, manual_30_days: dict[str, Any]
):
    assert manual_30_days["needs"] == "≥ 30 days"
    listed = await json_of(await gateway.get("/api/shelf-life-rules"))
    assert {"scope": "channel", "key": "manual"} in [
        {"scope": r["scope"], "key": r["key"]} for r in listed
    ]

    both = await item_with_lots(gateway, 10, 90)
    order = await settled(gateway, await place(gateway, both))
    assert order["status"] == "ready_to_ship"
    assert await reserved_lots(gateway, order["id"]) == {f"{both}-D90": Decimal(6)}

    short_only = await item_with_lots(gateway, 10)
    order = await settled(gateway, await place(gateway, short_only))
    assert order["status"] != "ready_to_ship"
    assert await reserved_lots(gateway, order["id"]) == {}
    [shortage] = order["shortages"]
    assert shortage["reason"] == (
        f"6 kg of {short_only} too close to expiry for channel manual (needs ≥ 30 days)"
    )
    # nothing of the short-dated lot was taken: it is still free stock
    lots = await json_of(await gateway.get("/api/lots", params={"item_code": short_only}))
    assert [(lot["lot_code"], Decimal(lot["reserved"])) for lot in lots] == [
        (f"{short_only}-D10", Decimal(0))
    ]


async def test_a_customer_rule_wins_over_the_channel_rule(
    gateway: httpx.AsyncClient, manual_30_days: dict[str, Any]
):
    email = f"buyer-{uuid.uuid4().hex[:6]}@shop.example"
    await json_of(
        await gateway.put(f"/api/shelf-life-rules/customer/{email}", json={"min_days": 5})
    )
    try:
        item = await item_with_lots(gateway, 10, 90)
        order = await settled(gateway, await place(gateway, item, email=email))
        assert order["status"] == "ready_to_ship"
        assert await reserved_lots(gateway, order["id"]) == {f"{item}-D10": Decimal(6)}
    finally:
        deleted = await gateway.delete(f"/api/shelf-life-rules/customer/{email}")
    assert deleted.status_code == 204
    again = await gateway.delete(f"/api/shelf-life-rules/customer/{email}")
    assert again.status_code == 404


async def cli(system: System, *args: str) -> str:
    """The ``lotline`` command, talking to this system's gateway; its output."""
    result = await asyncio.to_thread(
        CliRunner().invoke,
        app,
        ["--gateway-url", system.gateway, "--api-key", system.api_key, *args],
    )
    assert result.exit_code == 0, result.output
    return result.output


async def test_a_two_thirds_customer_rule_set_with_the_cli_takes_only_fresh_enough_lots(
    gateway: httpx.AsyncClient, system: System
):
    email = f"buyer-{uuid.uuid4().hex[:6]}@retail.example"
    said = await cli(system, "shelf-life", "set", "customer", email, "--fraction", "2/3")
    assert f"customer {email}: lots need ≥ 2/3 of its shelf life left" in " ".join(said.split())
    try:
        assert email in await cli(system, "shelf-life", "list")
        code = f"HONEY-{uuid.uuid4().hex[:8].upper()}"
        item = {"code": code, "name": "Honey", "kind": "finished_good", "base_unit": "kg"}
        await json_of(await gateway.post("/api/items", json=item))
        today = datetime.now(UTC).date()
        # 90 days of shelf life: made 30 days ago, 60 left = exactly 2/3 (passes);
        # made 31 days ago, 59 left (fails); no production date at all (fails a fraction)
        for lot, made, expires in (
            ("EXACT", 30, 60),
            ("OLD", 31, 59),
            ("UNDATED", None, 58),
        ):
            args = ["stock", "receive", code, "--lot", f"{code}-{lot}", "--quantity", "10"]
            args += ["--unit", "kg", "--expires", (today + timedelta(days=expires)).isoformat()]
            if made is not None:
                args += ["--received-on", (today - timedelta(days=made)).isoformat()]
            await cli(system, *args)
        order = await settled(gateway, await place(gateway, code, email=email))
        assert order["status"] == "ready_to_ship"
        assert await reserved_lots(gateway, order["id"]) == {f"{code}-EXACT": Decimal(6)}
    finally:
        await cli(system, "shelf-life", "delete", "customer", email)
    assert email not in await cli(system, "shelf-life", "list")
