"""The demo's marketplaces end to end: deploy/demo_marketplaces.py as its own process, a
whole system of its own whose connectors the supervisor's settings point at it, and the real
``demo seed`` command run twice against that system's gateway."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy import demo_marketplaces as marketplaces
from deploy import supervisor
from shared.settings import Settings
from tests.conftest import ROOT
from tests.containers import quiet_port
from tests.e2e.conftest import System, all_handled, eventually, json_of
from tests.e2e.isolated_system import own_system

pytestmark = [pytest.mark.e2e, pytest.mark.isolated, pytest.mark.timeout(300)]


async def answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            return (await client.get(f"{url}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


def start_demo_fakes(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "deploy.demo_marketplaces"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@contextlib.asynccontextmanager
async def demo_fakes(system: System, port: int, logs: Path) -> AsyncIterator[str]:
    """``python -m deploy.demo_marketplaces`` on ``port`` (moto on the next), sending the
    store's webhooks to ``system``'s gateway; its URL."""
    env = {
        **system.env,
        marketplaces.PORT_ENV: str(port),
        "LOTLINE_PORTS__GATEWAY": str(system.settings.ports.gateway),
    }
    process = await asyncio.to_thread(start_demo_fakes, env, logs / "demo-marketplaces.log")
    url = f"http://127.0.0.1:{port}"
    try:
        await eventually(lambda: answers(url), bool, timeout=30)
        yield url
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 15)


def demo_seed(system: System, port: int) -> str:
    """``python -m services.cli demo seed``, as make run runs it; its output."""
    env = {
        **system.env,
        "LOTLINE_GATEWAY_URL": system.gateway,
        "LOTLINE_API_KEY": system.api_key,
        marketplaces.PORT_ENV: str(port),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "demo", "seed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def lotline_orders(gateway: httpx.AsyncClient, channel: str, external_id: str) -> list[Any]:
    answer = await gateway.get(
        "/api/orders", params={"channel": channel, "external_id": external_id}
    )
    return list(await json_of(answer))


def one_with_status(status: str) -> Any:
    return lambda found: len(found) == 1 and found[0]["status"] == status


async def reserved(gateway: httpx.AsyncClient, item: str) -> dict[str, str]:
    rows = await json_of(await gateway.get("/api/lots", params={"item_code": item}))
    return {r["lot_code"]: r["reserved"] for r in rows}


async def test_the_demo_seller_and_store_orders_become_lotline_orders_once(
    settings: Settings, tmp_path: Path
) -> None:
    port = quiet_port(set())
    while not await asyncio.to_thread(free, port + 1):
        port = quiet_port(set())  # moto takes the next port
    # the supervisor's settings; polls rare, so new orders come by notification or webhook
    env = {
        **supervisor.demo_marketplaces_env(port),
        "LOTLINE_CONNECTORS__AMAZON__POLL_INTERVAL_SECONDS": "600",
        "LOTLINE_CONNECTORS__AMAZON__NOTIFICATIONS__WAIT_TIME_SECONDS": "1",
    }
    async with (
        own_system(settings, tmp_path / "logs", env=env) as system,
        demo_fakes(system, port, tmp_path / "logs") as fakes,
        httpx.AsyncClient(
            base_url=system.gateway, headers=system.admin_headers, timeout=30.0
        ) as gateway,
    ):
        first = await asyncio.to_thread(demo_seed, system, port)

        assert f"connected     Amazon seller {marketplaces.SELLER_ID}\n" in first, first
        assert f"connected     WooCommerce store {marketplaces.STORE}" in first, first
        # the Unshipped MFN order is new; the Pending one waits, the FBA one is a sale
        assert "polled        Amazon seller A2LOTLINEDEMO1: orders (3 read, 1 new)" in first
        assert "(2 read, 1 new)" in first, first  # the processing order, not the pending one
        amazon = functools.partial(lotline_orders, gateway, "amazon")
        woo = functools.partial(lotline_orders, gateway, "woocommerce")
        woo_processing = f"{marketplaces.STORE}/{marketplaces.WOO_PROCESSING}"
        mfn = await eventually(
            lambda: amazon(marketplaces.AMAZON_UNSHIPPED), one_with_status("ready_to_ship")
        )
        placed = await eventually(lambda: woo(woo_processing), one_with_status("ready_to_ship"))
        assert mfn[0]["lines"][0]["item_code"] == "HONEY-JAR-250G"
        assert placed[0]["lines"][0]["item_code"] == "LAVENDER-SOAP-100G"

        second = await asyncio.to_thread(demo_seed, system, port)
        await all_handled(system)

        assert f"already there Amazon seller {marketplaces.SELLER_ID}" in second, second
        assert f"already there WooCommerce store {marketplaces.STORE}" in second, second
        assert "3 read, 0 new" in second and "2 read, 0 new" in second, second
        assert len(await amazon(marketplaces.AMAZON_UNSHIPPED)) == 1
        assert len(await woo(woo_processing)) == 1
        assert await amazon(marketplaces.AMAZON_PENDING) == []
        assert await amazon(marketplaces.AMAZON_FBA) == []
        assert await woo(f"{marketplaces.STORE}/{marketplaces.WOO_PENDING}") == []
        assert await reserved(gateway, "HONEY-JAR-250G") == {"HJ-2611-A": "2"}
        assert await reserved(gateway, "LAVENDER-SOAP-100G") == {
            "LS-2610-B": "3",
            "LS-2611-A": "0",
        }
        fba = await json_of(
            await gateway.get(f"/api/amazon/sellers/{marketplaces.SELLER_ID}/fba-sales")
        )
        assert [s["amazon_order_id"] for s in fba["sales"]] == [marketplaces.AMAZON_FBA]

        # a buyer orders on Amazon: its notification brings it at once (no poll is due)
        async with httpx.AsyncClient(base_url=fakes, timeout=30.0) as demo:
            bought = await json_of(
                await demo.post("/demo/amazon/orders", params={"sku": "AMZ-SOAP-LAV"})
            )
            ordered = await json_of(
                await demo.post("/demo/woocommerce/orders", params={"quantity": 2})
            )
        assert bought["notified"] is True and ordered["webhook"] == 200
        await eventually(
            lambda: amazon(bought["amazon_order_id"]), one_with_status("ready_to_ship")
        )
        await eventually(
            lambda: woo(f"{marketplaces.STORE}/{ordered['id']}"), one_with_status("ready_to_ship")
        )
        # stopped before its marketplaces go, as an operator would: a worker in a call to
        # one that vanished would hold the shutdown for its grace
        await asyncio.to_thread(system.stop_all)


def free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
