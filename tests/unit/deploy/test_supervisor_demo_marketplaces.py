"""deploy/supervisor.py and the demo marketplaces: a process of their own on a fixed port,
and only the connectors pointed at them, never over settings an operator gave."""

from __future__ import annotations

import json

import pytest

from deploy import supervisor

WITH_DEMO = ("mailcatcher", supervisor.DEMO_MARKETPLACES, *supervisor.SERVICES)
PREFIX = "LOTLINE_CONNECTORS__AMAZON__"


def test_the_demo_marketplaces_listen_on_8106_or_their_setting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LOTLINE_PORTS__DEMO_MARKETPLACES", raising=False)
    assert supervisor.port_of(supervisor.DEMO_MARKETPLACES) == 8106
    monkeypatch.setenv("LOTLINE_PORTS__DEMO_MARKETPLACES", "21106")
    assert supervisor.port_of(supervisor.DEMO_MARKETPLACES) == 21106
    assert supervisor.service_of(supervisor.DEMO_MARKETPLACES) == supervisor.DEMO_MARKETPLACES


def test_the_connectors_reach_amazon_at_the_demo_marketplaces(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOTLINE_PORTS__DEMO_MARKETPLACES", "21106")

    env = supervisor.process_env("connectors", {"PATH": "/bin"}, WITH_DEMO)

    base = "http://127.0.0.1:21106/amazon"
    assert env[f"{PREFIX}LWA_TOKEN_URL"] == f"{base}/auth/o2/token"
    assert json.loads(env[f"{PREFIX}ENDPOINTS"]) == {"na": base, "eu": base, "fe": base}
    assert env["PATH"] == "/bin"
    again = supervisor.process_env("connectors-2", {}, WITH_DEMO)  # another instance too
    assert again[f"{PREFIX}LWA_TOKEN_URL"] == f"{base}/auth/o2/token"


def test_no_other_process_and_no_run_without_them_is_pointed_at_the_fakes():
    without = tuple(n for n in WITH_DEMO if n != supervisor.DEMO_MARKETPLACES)

    for name in ("orders", "gateway", supervisor.DEMO_MARKETPLACES):
        assert not any(k.startswith(PREFIX) for k in supervisor.process_env(name, {}, WITH_DEMO))
    assert not any(k.startswith(PREFIX) for k in supervisor.process_env("connectors", {}, without))


def test_amazon_settings_an_operator_gave_are_kept():
    given = {f"{PREFIX}LWA_TOKEN_URL": "https://api.amazon.com/auth/o2/token"}

    env = supervisor.process_env("connectors", given, WITH_DEMO)

    assert env[f"{PREFIX}LWA_TOKEN_URL"] == "https://api.amazon.com/auth/o2/token"


def test_the_demo_settings_are_valid_amazon_settings():
    from services.connectors.amazon.config import AmazonSettings

    env = supervisor.demo_marketplaces_env(8106)
    settings = AmazonSettings(
        lwa_token_url=env[f"{PREFIX}LWA_TOKEN_URL"],
        endpoints=json.loads(env[f"{PREFIX}ENDPOINTS"]),
        poll_interval_seconds=float(env[f"{PREFIX}POLL_INTERVAL_SECONDS"]),
    )
    assert settings.endpoint("eu") == "http://127.0.0.1:8106/amazon"


def test_the_connectors_read_notifications_from_the_queue_the_demo_creates():
    from deploy import demo_marketplaces

    env = supervisor.demo_marketplaces_env(21106)

    assert env[f"{PREFIX}NOTIFICATIONS__QUEUE_URL"] == demo_marketplaces.queue_url(21106)
    assert env[f"{PREFIX}NOTIFICATIONS__ENDPOINT_URL"] == "http://127.0.0.1:21107"
