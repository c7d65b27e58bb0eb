"""``LOTLINE_INSTANCES=2 make up``: the supervisor starts a second process of every
consuming service on its port + 100, each answering its readiness probe."""

from __future__ import annotations

import httpx
import pytest

from bench.system import SERVICES, supervised_system

pytestmark = [pytest.mark.e2e, pytest.mark.isolated]


async def test_the_supervisor_runs_two_instances_of_each_consuming_service(tmp_path):
    async with (
        supervised_system(tmp_path / "run", {"LOTLINE_INSTANCES": "2"}) as target,
        httpx.AsyncClient(timeout=10.0) as client,
    ):
        for name in SERVICES:
            assert target.pid(f"{name}-2") not in (None, target.pid(name))
            port = getattr(target.settings.ports, name) + 100
            answer = await client.get(f"http://127.0.0.1:{port}/readyz")
            assert answer.status_code == 200, (name, answer.text)
        assert target.pid("gateway-2") is None
        assert (await client.get(f"{target.gateway}/healthz")).status_code == 200
