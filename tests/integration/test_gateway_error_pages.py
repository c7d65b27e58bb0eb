"""Refusals a person meets in the browser are pages in their language (issue 25 §6): an
unknown address, a page their role may not open, a malformed id, a forged form. A program
calling the API still gets JSON. Over the real gateway and its database."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.access import users
from services.gateway.access.principal import Role
from shared.settings import Settings
from tests.integration.gateway_app import client, gateway_settings, running_gateway, sign_in

pytestmark = pytest.mark.integration

PAGE = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
async def gateway(settings: Settings, scratch_databases: None) -> AsyncIterator[FastAPI]:
    async with running_gateway(gateway_settings(settings)) as app:
        yield app


@asynccontextmanager
async def signed_in(
    gateway: FastAPI, role: Role, locale: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of a new ``role`` user, signed in through the real /login form."""
    username, password = f"{role.value}-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    engine = gateway.state.engine
    await users.create(engine, username=username, password=password, role=role, locale=locale)
    async with client(gateway, headers=PAGE) as http:
        await sign_in(http, username, password)
        yield http


def is_page(answer: httpx.Response) -> bool:
    return answer.headers["content-type"].startswith("text/html") and "<html" in answer.text


async def test_an_unknown_address_is_a_page_in_the_users_language(gateway: FastAPI):
    async with signed_in(gateway, Role.OPERATOR, "it") as http:
        answer = await http.get("/no/such/page")

    assert answer.status_code == 404
    assert is_page(answer)
    assert "Questa pagina non esiste" in answer.text and 'lang="it"' in answer.text
    assert 'href="/"' in answer.text  # the way back


async def test_a_viewer_opening_admin_gets_a_page_saying_why(gateway: FastAPI):
    async with signed_in(gateway, Role.VIEWER) as http:
        answer = await http.get("/admin")

    assert answer.status_code == 403
    assert is_page(answer)
    assert "You may not open this page" in answer.text
    assert "needs admin access" in answer.text  # the detail, folded


async def test_a_malformed_order_id_is_a_page_not_a_list_of_field_errors(gateway: FastAPI):
    async with signed_in(gateway, Role.OPERATOR) as http:
        answer = await http.get("/orders/not-an-id")
        picker = await http.get("/orders/new/items", params={"line": "x"})

    assert answer.status_code == picker.status_code == 422
    assert is_page(answer) and is_page(picker)
    assert "This address is not valid" in answer.text
    assert re.search(r"order_id: .*UUID", answer.text)
    assert "not-an-id" not in answer.text.split("<main", 1)[1]  # the typed value not echoed


async def test_a_form_without_its_token_is_refused_with_a_page(gateway: FastAPI):
    async with signed_in(gateway, Role.OPERATOR) as http:
        answer = await http.post("/stock/receipts", data={"item_code": "X"})

    assert answer.status_code == 403
    assert is_page(answer) and "CSRF token missing or wrong" in answer.text


async def test_a_program_calling_the_api_still_gets_json(gateway: FastAPI):
    async with signed_in(gateway, Role.VIEWER) as http:
        unknown = await http.get("/api/no-such-thing")
        refused = await http.get("/api/users")
        asks_json = await http.get("/no/such/page", headers={"Accept": "application/json"})

    assert unknown.status_code == 404 and unknown.json()["detail"]
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]
    assert asks_json.status_code == 404 and asks_json.json()["detail"]
