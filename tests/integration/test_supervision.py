"""Supervision over a real process (invariant 9): ``make up``'s watcher starts a service
again after a SIGKILL, without anyone acting, and its log says why; with
``LOTLINE_INSTANCES=2`` a second process of the service runs beside it on its port + 100
(which names and ports every service's instances get: tests/unit/deploy)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from shared import db
from shared.settings import Settings
from tests.conftest import ROOT, settings_env

pytestmark = [pytest.mark.integration, pytest.mark.isolated]
SUPERVISOR = ROOT / "deploy" / "supervisor.py"


def _pid(run: Path, name: str) -> int | None:
    path = run / "pids" / f"{name}.pid"
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def test_a_killed_instance_is_started_again_the_log_says_why_and_its_twin_runs_on(
    settings: Settings, tmp_path: Path
) -> None:
    own = settings.pg.model_copy(update={"database_prefix": f"{settings.pg.database_prefix}sup_"})
    env = {
        **settings_env(settings.model_copy(update={"pg": own})),
        "LOTLINE_RUN_DIR": str(tmp_path),
        "LOTLINE_SUPERVISE": "trace,trace-2",  # what LOTLINE_INSTANCES=2 adds for trace
        "PYTHONPATH": str(ROOT),
    }
    port = settings.ports.trace
    supervise = [sys.executable, str(SUPERVISOR)]
    try:
        subprocess.run([*supervise, "up"], env=env, cwd=ROOT, check=True, timeout=120)
        first = _pid(tmp_path, "trace")
        second = _pid(tmp_path, "trace-2")
        assert first is not None and _ready(port)
        assert second not in (None, first) and _ready(port + 100)

        os.kill(first, signal.SIGKILL)
        killed_at = time.monotonic()
        again = None
        while time.monotonic() - killed_at < 30:
            again = _pid(tmp_path, "trace")
            if again not in (None, first) and _ready(port):
                break
            time.sleep(0.2)
        back_after = time.monotonic() - killed_at

        assert again not in (None, first), "the supervisor did not start trace again"
        assert _ready(port)
        assert back_after < 20, f"trace answered again only after {back_after:.1f}s"
        log = (tmp_path / "logs" / "supervisor.log").read_text()
        assert "trace killed by SIGKILL; starting it again in 0.5s" in log
        assert f"trace started again (pid {again})" in log
        assert _pid(tmp_path, "trace-2") == second and _ready(port + 100)  # left alone
        status = subprocess.run(
            [*supervise, "status"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert status.returncode == 0, status.stdout
    finally:
        subprocess.run([*supervise, "down"], env=env, cwd=ROOT, timeout=60)
        asyncio.run(db.drop_database(own, own.database("trace")))
    assert _pid(tmp_path, "trace") is None and not _ready(port)
