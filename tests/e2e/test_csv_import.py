"""Wholesale CSV import over the real system: good rows become orders, bad rows are
reported by line, and importing the same file again creates nothing."""

from __future__ import annotations

import asyncio
import functools
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import System, eventually, json_of
from tests.e2e.test_manual_orders import stocked_item

pytestmark = pytest.mark.e2e


async def known_to_connectors(gateway: httpx.AsyncClient, item: str) -> None:
    """Probe without side effects: a zero quantity is refused either way, but for another
    reason once connectors know the item."""
    body = {
        "source": "phone",
        "customer": {"name": "probe"},
        "lines": [{"item_code": item, "quantity": "0"}],
    }

    async def probe() -> str:
        answer = await gateway.post(
            "/api/manual-orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        return str(answer.json()["detail"])

    await eventually(probe, lambda detail: "unknown item" not in detail, timeout=30)


async def wholesale(gateway: httpx.AsyncClient, reference: str) -> list[Any]:
    answer = await gateway.get(
        "/api/orders", params={"channel": "wholesale", "external_id": reference}
    )
    return list(await json_of(answer))


async def test_good_rows_become_orders_bad_rows_are_reported_and_reimport_adds_nothing(
    gateway: httpx.AsyncClient, system: System, tmp_path: Path
):
    jam = await stocked_item(gateway, "50")
    await known_to_connectors(gateway, jam)
    run = uuid.uuid4().hex[:6].upper()
    po1, po2 = f"PO-{run}-1", f"PO-{run}-2"
    csv = (
        "order_reference,customer_name,customer_email,item,quantity,unit,requested_date\n"
        f"{po1},Bottega Verdi,ordini@bottega.example,{jam},12,pc,2026-12-15\n"
        f"{po1},Bottega Verdi,ordini@bottega.example,NOPE-{run},1,pc,2026-12-15\n"
        f"{po2},Forno Sud,,{jam},6,,\n"
        f"{po2},Forno Sud,,{jam},2.5,pc,\n"
        f",Forno Sud,,{jam},1,pc,\n"
        f"{po2},Forno Sud,,{jam},4,pc,\n"
    )

    first = await json_of(
        await gateway.post(
            "/api/imports/orders", content=csv.encode(), headers={"Content-Type": "text/csv"}
        )
    )

    assert (first["created"], first["already_imported"]) == (2, 0)
    assert [(o["reference"], o["lines"]) for o in first["orders"]] == [(po1, 1), (po2, 2)]
    assert [(e["line"], e["reference"]) for e in first["errors"]] == [
        (3, po1),
        (5, po2),
        (6, None),
    ]
    assert f"unknown item 'NOPE-{run}'" in first["errors"][0]["reason"]
    for reference, reserved in ((po1, 12), (po2, 10)):
        [order] = await eventually(
            functools.partial(wholesale, gateway, reference),
            lambda os: len(os) == 1 and os[0]["status"] == "ready_to_ship",
        )
        assert order["requested_on"] == ("2026-12-15" if reference == po1 else None)
        lots = await json_of(
            await gateway.get("/api/reservations", params={"order_id": order["id"]})
        )
        assert sum(int(r["quantity"]) for r in lots) == reserved

    path = tmp_path / "orders.csv"
    path.write_text(csv)
    again = await asyncio.to_thread(
        functools.partial(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "services.cli",
                "--gateway-url",
                system.gateway,
                "--api-key",
                system.api_key,
                "import",
                "orders",
                str(path),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    )

    assert again.returncode == 1, again.stderr  # bad rows are still bad
    assert "0 created, 2 already imported, 3 bad rows" in again.stdout
    assert "line 3: unknown item" in again.stderr
    assert len(await wholesale(gateway, po1)) == 1 and len(await wholesale(gateway, po2)) == 1


async def test_a_file_without_the_required_columns_is_refused_as_a_whole(gateway):
    answer = await gateway.post(
        "/api/imports/orders",
        content=b"reference,qty\nPO-1,3\n",
        headers={"Content-Type": "text/csv"},
    )

    assert answer.status_code == 422
    assert "customer_name, item" in answer.json()["detail"]
