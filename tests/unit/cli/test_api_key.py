"""The CLI sends an API key: from --api-key, LOTLINE_API_KEY, or its config file."""

import httpx
import pytest
from typer.testing import CliRunner

from services.cli import client as cli_client
from services.cli.client import Gateway, GatewayError, config_path, key_from_config
from services.cli.main import app


def test_the_key_comes_from_the_config_file(tmp_path):
    config = tmp_path / "cli.toml"
    config.write_text('# private\napi_key = "llk_0123456789ab_secret"\n')

    assert key_from_config(config) == "llk_0123456789ab_secret"
    assert key_from_config(tmp_path / "absent.toml") is None


def test_the_config_file_is_found_by_env_then_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("LOTLINE_CLI_CONFIG", str(tmp_path / "mine.toml"))
    assert config_path() == tmp_path / "mine.toml"
    monkeypatch.delenv("LOTLINE_CLI_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "lotline" / "cli.toml"


def test_every_request_carries_the_bearer_key():
    seen: list[str | None] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json=[])

    with Gateway(
        "http://lotline.test", api_key="llk_k", transport=httpx.MockTransport(gateway)
    ) as g:
        g.get("/api/stock")

    assert seen == ["Bearer llk_k"]


def test_a_401_says_how_to_give_the_cli_a_key():
    def refuse(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "sign in, or send an API key"})

    with (
        Gateway("http://lotline.test", transport=httpx.MockTransport(refuse)) as g,
        pytest.raises(GatewayError, match="LOTLINE_API_KEY"),
    ):
        g.get("/api/stock")


def test_the_env_variable_reaches_the_gateway(monkeypatch, tmp_path):
    sent: list[str | None] = []
    real_client = httpx.Client

    def recording_client(*args, **kwargs):
        sent.append(kwargs.get("headers", {}).get("Authorization"))
        kwargs["transport"] = httpx.MockTransport(lambda _r: httpx.Response(200, json=[]))
        return real_client(*args, **kwargs)

    monkeypatch.setattr(cli_client.httpx, "Client", recording_client)
    monkeypatch.setenv("LOTLINE_CLI_CONFIG", str(tmp_path / "none.toml"))
    result = CliRunner().invoke(app, ["stock", "show"], env={"LOTLINE_API_KEY": "llk_env"})

    assert result.exit_code == 0, result.output
    assert sent == ["Bearer llk_env"]
