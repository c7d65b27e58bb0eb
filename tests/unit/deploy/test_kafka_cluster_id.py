"""The Kafka cluster id the storage tool is given never starts with "-" (it would read it
as an option: one fresh run in 64 failed to format its broker)."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from deploy import kafka_cluster
from tests.conftest import ROOT


def test_an_id_that_would_start_with_a_dash_is_drawn_again(monkeypatch: pytest.MonkeyPatch):
    dash_first = uuid.UUID(bytes=b"\xf8" + bytes(15))  # base64url of 0b111110… is "-"
    drawn = iter([dash_first, uuid.UUID(int=1)])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(drawn))

    cluster_id = kafka_cluster.new_cluster_id()

    assert cluster_id == "AAAAAAAAAAAAAAAAAAAAAQ"
    assert next(drawn, None) is None  # the first draw was refused


def test_infra_sh_formats_with_the_same_rule():
    printed = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "kafka_cluster.py"), "new-cluster-id"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip

    assert len(printed) == 22 and not printed.startswith("-")
