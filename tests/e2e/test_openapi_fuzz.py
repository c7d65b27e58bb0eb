"""Schemathesis against the gateway's merged OpenAPI document (issue 13): every operation,
a few deterministic examples each, must answer without a 5xx and within its own schema."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.e2e.conftest import System
from tests.e2e.test_skeleton_flow import new_item, new_shop

pytestmark = pytest.mark.e2e

# Per operation; raise it for a deeper local run: LOTLINE_FUZZ_EXAMPLES=200.
EXAMPLES = int(os.environ.get("LOTLINE_FUZZ_EXAMPLES", "10"))
# Status-code conformance is left out: the services document 200/201/422 only, and a 404,
# 409 or 401 for an unknown id, a conflict or a bad webhook signature is the right answer.
CHECKS = [not_a_server_error, response_schema_conformance]


def auth_headers(system: System) -> dict[str, str]:
    """The one place every fuzz request takes its credentials from: an operator's key
    (write scope), so admin-only operations are fuzzed too and must answer 403, not 5xx."""
    return dict(system.operator_headers)


async def seed(system: System) -> dict[str, str]:
    """An item with a lot and a shop mapping its SKU, so that some generated requests name
    real rows; returns the known value of each path parameter."""
    async with httpx.AsyncClient(
        base_url=system.gateway, headers=system.admin_headers, timeout=30.0
    ) as client:
        shop = await new_shop(client)
        item = await new_item(client, shop, ("10", "2030-01-31"))
    return {
        "code": item,
        "item_code": item,
        "sku": item,
        "lot_code": f"{item}-0",
        "domain": shop.domain,
    }


def cases(operation: Any, known: dict[str, str]) -> st.SearchStrategy[Any]:
    """Valid and invalid requests, and valid ones on the seeded rows where the path names them."""
    strategies = [
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    ]
    names = re.findall(r"{(\w+)}", operation.path)
    fixed = {name: known[name] for name in names if name in known}
    if fixed:
        strategies.append(operation.as_strategy(path_parameters=fixed))
    if operation.path.startswith("/webhooks/"):
        strategies.append(signed_badly(operation, known))
    return st.one_of(strategies)


SIGNATURE_HEADERS = (
    "x-shopify-hmac-sha256",
    "x-shopify-topic",
    "x-shopify-webhook-id",
    "x-shopify-event-id",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "sendcloud-signature",
    "x-wc-webhook-signature",
    "x-wc-webhook-topic",
    "x-wc-webhook-delivery-id",
)


def signed_badly(operation: Any, known: dict[str, str]) -> st.SearchStrategy[Any]:
    """A webhook documents no body (it reads the bytes its signature covers), so Schemathesis
    would send it nothing: send JSON with signature headers, some for the seeded shop."""
    visible = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=64)
    headers = st.fixed_dictionaries(
        {},
        optional={
            "x-shopify-shop-domain": st.just(known["domain"]) | visible,
            **{name: visible for name in SIGNATURE_HEADERS},
        },
    )
    json = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=10,
    )
    segment = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1)
    path = st.fixed_dictionaries(
        {
            name: st.just(known[name]) | segment if name in known else segment
            for name in re.findall(r"{(\w+)}", operation.path)
        }
    )
    return st.builds(
        lambda body, sent, params: operation.Case(
            body=body, media_type="application/json", headers=sent, path_parameters=params
        ),
        json,
        headers,
        path,
    )


def fuzz(operation: Any, known: dict[str, str], headers: dict[str, str], base: str) -> list[str]:
    """Run ``EXAMPLES`` derandomized cases; every distinct failure, with a curl to replay it."""
    found: dict[str, str] = {}
    session = requests.Session()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: each failure is kept as sent
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases(operation, known))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(
                base_url=base, session=session, headers=headers, checks=CHECKS, timeout=30
            )
        except (Failure, FailureGroup) as error:
            failures = error.exceptions if isinstance(error, FailureGroup) else (error,)
            for failure in failures:
                key = f"{operation.label}: {failure.title}"
                found.setdefault(key, f"{failure}\n{case.as_curl_command(headers=headers)}")

    try:
        run()
    except Exception as error:  # a case that could not be generated or sent at all
        found[f"{operation.label}: {type(error).__name__}"] = str(error)
    finally:
        session.close()
    return [f"{key}\n{detail}" for key, detail in found.items()]


def fuzz_all(schema: Any, known: dict[str, str], headers: dict[str, str], base: str) -> list[str]:
    failures: list[str] = []
    for result in schema.get_all_operations():
        failures.extend(fuzz(result.ok(), known, headers, base))
    return failures


async def in_thread(work: Callable[..., list[str]], *args: Any) -> list[str]:
    """Schemathesis blocks; the fakes (Sendcloud, Etsy, SMTP) answer from this event loop."""
    return await asyncio.to_thread(work, *args)


# Starting the system takes up to ~40 s on a loaded machine, each example up to ~15 s.
@pytest.mark.timeout(300 + 15 * EXAMPLES)
async def test_no_operation_answers_a_server_error_or_breaks_its_own_schema(system):
    known = await seed(system)
    headers = auth_headers(system)
    async with httpx.AsyncClient(headers=headers, timeout=30.0) as client:
        document = (await client.get(f"{system.gateway}/openapi.json")).raise_for_status().json()
    schema = schemathesis.openapi.from_dict(document)

    failures = await in_thread(fuzz_all, schema, known, headers, system.gateway)

    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)


@pytest.mark.parametrize("code", ["%04", "%3F", "%23"])
async def test_the_gateway_forwards_a_path_parameter_as_sent(system, code):
    """A control character, ``?`` or ``#`` in a parameter reaches the service still encoded
    (the gateway once rebuilt the URL from the decoded path: a 500, or the wrong route)."""
    async with httpx.AsyncClient(base_url=system.gateway, headers=auth_headers(system)) as client:
        answer = await client.get(f"/api/items/{code}")

    assert answer.status_code == 404
