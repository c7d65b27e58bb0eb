"""``lotline woocommerce …`` and ``lotline amazon …``: each asks the gateway's connectors API
the right thing, secrets come from the environment or a hidden prompt (never an argument)
and are never printed, and the answers are rendered for a reader."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from services.cli import console
from services.cli.main import app

CONSUMER_KEY = "ck_4f1e9a0c2b7d6e5f8a9b0c1d2e3f4a5b6c7d8e9f"
CONSUMER_SECRET = "cs_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
WEBHOOK_SECRET = "wh-secret-bottega-0123456789"
CLIENT_SECRET = "amzn1.oa2-cs.v1.client-secret-never-shown"
REFRESH_TOKEN = "Atzr|refresh-token-never-shown-0123456789"
SECRETS = (CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET, CLIENT_SECRET, REFRESH_TOKEN)
STORE = {
    "shop": "woo-bottega",
    "base_url": "https://bottega.example.it",
    "consumer_key_hint": "8e9f",
    "webhook_path": "/webhooks/woocommerce/woo-bottega",
    "watermark": None,
    "last_reconciled_at": None,
    "last_error": None,
    "created_at": "2026-12-01T10:00:00+00:00",
}
SELLER = {
    "seller_id": "A2EUQ1WTGCTBG2",
    "domain": "amazon-A2EUQ1WTGCTBG2",
    "marketplace_ids": ["APJ6JRA9NG5V4"],
    "region": "eu",
    "lwa_client_id": "amzn1.application-oa2-client.bottega",
    "authorised": True,
    "revoked_at": None,
    "revoked_reason": None,
    "access_expires_at": None,
    "orders_watermark": None,
    "last_polled_at": None,
    "last_poll_error": None,
}
FBA = {
    "seller_id": "A2EUQ1WTGCTBG2",
    "totals": [{"currency": "EUR", "orders": 3, "amount": "74.70"}],
    "not_sold": 1,
    "sales": [
        {
            "amazon_order_id": "028-1234567-7654321",
            "order_status": "Shipped",
            "fulfillment_channel": "AFN",
            "marketplace_id": "APJ6JRA9NG5V4",
            "last_update_date": "2026-12-06T09:00:00Z",
            "total_amount": "24.90",
            "total_currency": "EUR",
            "outcome": "fba_sale",
            "buyer_cancel_reason": None,
            "problem": None,
            "first_seen_at": "2026-12-06T09:01:00Z",
            "updated_at": "2026-12-06T09:01:00Z",
        }
    ],
}
NO_ENV = {
    "LOTLINE_WOOCOMMERCE_CONSUMER_KEY": "",
    "LOTLINE_WOOCOMMERCE_CONSUMER_SECRET": "",
    "LOTLINE_WOOCOMMERCE_WEBHOOK_SECRET": "",
    "LOTLINE_AMAZON_LWA_CLIENT_SECRET": "",
    "LOTLINE_AMAZON_REFRESH_TOKEN": "",
}
Answers = dict[tuple[str, str], tuple[int, Any]]


@pytest.fixture
def gateway(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> Callable[[Answers], list[httpx.Request]]:
    """The gateway as the CLI sees it: canned answers per (method, path); every request kept."""

    def install(answers: Answers) -> list[httpx.Request]:
        seen: list[httpx.Request] = []
        real_client = httpx.Client

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            status, body = answers.get((request.method, request.url.path), (404, {"detail": "?"}))
            return httpx.Response(status, json=body)

        def client(*args: Any, **kwargs: Any) -> httpx.Client:
            kwargs["transport"] = httpx.MockTransport(answer)
            return real_client(*args, **kwargs)

        monkeypatch.setattr(httpx, "Client", client)
        monkeypatch.setattr(console.out, "_width", 200)  # a wide terminal: whole lines
        monkeypatch.setenv("LOTLINE_CLI_CONFIG", str(tmp_path / "none.toml"))
        return seen

    return install


def run(args: list[str], *, env: dict[str, str] | None = None, typed: str | None = None) -> Result:
    return CliRunner().invoke(
        app, ["--api-key", "llk_admin", *args], env={**NO_ENV, **(env or {})}, input=typed
    )


def test_connecting_a_store_reads_its_secrets_from_a_hidden_prompt(gateway):
    seen = gateway({("POST", "/api/woocommerce/stores"): (201, STORE)})

    typed = f"{CONSUMER_KEY}\n{CONSUMER_SECRET}\n{WEBHOOK_SECRET}\n"
    result = run(
        ["woocommerce", "connect", "woo-bottega", "--base-url", "https://bottega.example.it"],
        typed=typed,
    )

    assert result.exit_code == 0, result.output
    assert json.loads(seen[0].content) == {
        "shop": "woo-bottega",
        "base_url": "https://bottega.example.it",
        "consumer_key": CONSUMER_KEY,
        "consumer_secret": CONSUMER_SECRET,
        "webhook_secret": WEBHOOK_SECRET,
    }
    assert "/webhooks/woocommerce/woo-bottega" in result.output
    assert "…8e9f" in result.output
    assert not any(s in result.output for s in SECRETS)  # the prompt did not echo them


def test_connecting_a_store_takes_its_secrets_from_the_environment(gateway):
    seen = gateway({("POST", "/api/woocommerce/stores"): (201, STORE)})
    env = {
        "LOTLINE_WOOCOMMERCE_CONSUMER_KEY": CONSUMER_KEY,
        "LOTLINE_WOOCOMMERCE_CONSUMER_SECRET": CONSUMER_SECRET,
        "LOTLINE_WOOCOMMERCE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }

    result = run(
        ["woocommerce", "connect", "woo-bottega", "--base-url", "https://bottega.example.it"],
        env=env,
    )

    assert result.exit_code == 0, result.output
    assert json.loads(seen[0].content)["consumer_secret"] == CONSUMER_SECRET
    assert not any(s in result.output for s in SECRETS)


def test_a_secret_is_not_an_option_on_the_command_line(gateway):
    gateway({})

    result = run(["woocommerce", "connect", "woo-bottega", "--consumer-secret", "cs_x"])

    assert result.exit_code == 2


def test_a_store_is_shown_with_its_recent_orders(gateway):
    order = {
        "order_id": "1042",
        "status": "processing",
        "date_modified": "2026-12-06T09:00:00Z",
        "outcome": "published",
        "source": "webhook",
    }
    seen = gateway(
        {
            ("GET", "/api/woocommerce/stores/woo-bottega"): (200, STORE),
            ("GET", "/api/woocommerce/stores/woo-bottega/orders"): (200, [order]),
        }
    )

    result = run(["woocommerce", "show", "woo-bottega", "--orders", "5"])

    assert result.exit_code == 0, result.output
    assert "https://bottega.example.it" in result.output and "1042" in result.output
    assert seen[1].url.params["limit"] == "5"


def test_a_reconciliation_that_failed_exits_1_with_its_error(gateway):
    run_out = {"pages": 0, "orders_seen": 0, "published": 0, "cancelled": 0, "error": "HTTP 401"}
    gateway({("POST", "/api/woocommerce/stores/woo-bottega/reconcile"): (200, run_out)})

    result = run(["woocommerce", "reconcile", "woo-bottega"])

    assert result.exit_code == 1
    assert "error: HTTP 401" in result.output


def test_connecting_a_seller_sends_its_marketplaces_and_hidden_secrets(gateway):
    seen = gateway({("POST", "/api/amazon/sellers"): (201, SELLER)})

    result = run(
        [
            "amazon",
            "connect",
            "A2EUQ1WTGCTBG2",
            "-m",
            "APJ6JRA9NG5V4",
            "-m",
            "A1PA6795UKMFR9",
            "--lwa-client-id",
            "amzn1.application-oa2-client.bottega",
        ],
        env={"LOTLINE_AMAZON_LWA_CLIENT_SECRET": CLIENT_SECRET},
        typed=f"{REFRESH_TOKEN}\n",
    )

    assert result.exit_code == 0, result.output
    assert json.loads(seen[0].content) == {
        "seller_id": "A2EUQ1WTGCTBG2",
        "marketplace_ids": ["APJ6JRA9NG5V4", "A1PA6795UKMFR9"],
        "region": "eu",
        "lwa_client_id": "amzn1.application-oa2-client.bottega",
        "lwa_client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
    }
    assert "amazon-A2EUQ1WTGCTBG2" in result.output
    assert not any(s in result.output for s in SECRETS)


def test_a_revoked_seller_shows_why_and_its_fba_sales_in_sum(gateway):
    revoked = {
        **SELLER,
        "authorised": False,
        "revoked_at": "2026-12-06T08:00:00Z",
        "revoked_reason": "the seller must authorise the app again",
    }
    gateway(
        {
            ("GET", "/api/amazon/sellers/A2EUQ1WTGCTBG2"): (200, revoked),
            ("GET", "/api/amazon/sellers/A2EUQ1WTGCTBG2/fba-sales"): (200, FBA),
        }
    )

    result = run(["amazon", "show", "A2EUQ1WTGCTBG2"])

    assert result.exit_code == 0, result.output
    assert "REVOKED" in result.output
    assert "the seller must authorise the app again" in result.output
    assert "3 orders, 74.70 EUR; 1 not sold" in result.output


def test_polling_a_seller_now(gateway):
    poll = {"pages": 1, "orders": 3, "published": 2, "cancelled": 0, "watermark": None}
    seen = gateway({("POST", "/api/amazon/sellers/A2EUQ1WTGCTBG2/poll"): (200, poll)})

    result = run(["amazon", "poll", "A2EUQ1WTGCTBG2"])

    assert result.exit_code == 0, result.output
    assert [r.method for r in seen] == ["POST"]
    assert "3 orders, 2 published" in result.output


def test_fba_sales_are_listed_with_their_totals(gateway):
    seen = gateway({("GET", "/api/amazon/sellers/A2EUQ1WTGCTBG2/fba-sales"): (200, FBA)})

    result = run(["amazon", "fba-sales", "A2EUQ1WTGCTBG2", "--limit", "20"])

    assert result.exit_code == 0, result.output
    assert "028-1234567-7654321" in result.output and "24.90 EUR" in result.output
    assert seen[0].url.params["limit"] == "20"


def test_reauthorising_sends_new_credentials_from_the_environment(gateway):
    seen = gateway({("PUT", "/api/amazon/sellers/A2EUQ1WTGCTBG2/authorisation"): (200, SELLER)})
    env = {
        "LOTLINE_AMAZON_LWA_CLIENT_SECRET": CLIENT_SECRET,
        "LOTLINE_AMAZON_REFRESH_TOKEN": REFRESH_TOKEN,
    }

    result = run(["amazon", "authorise", "A2EUQ1WTGCTBG2", "--lwa-client-id", "amzn1.app"], env=env)

    assert result.exit_code == 0, result.output
    assert json.loads(seen[0].content)["refresh_token"] == REFRESH_TOKEN
    assert not any(s in result.output for s in SECRETS)


def test_a_refusal_is_one_line_and_exit_1(gateway):
    gateway(
        {
            ("POST", "/api/amazon/sellers/A2EUQ1WTGCTBG2/poll"): (
                409,
                {"detail": "seller A2EUQ1WTGCTBG2 is revoked"},
            )
        }
    )

    result = run(["amazon", "poll", "A2EUQ1WTGCTBG2"])

    assert result.exit_code == 1
    assert "seller A2EUQ1WTGCTBG2 is revoked" in result.output
