"""Admins' pages: people, keys shown once, the audit trail; nobody else sees them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from services.gateway.access.principal import Role
from shared.settings import Settings
from tests.integration.gateway_app import client, gateway_settings, person, running_gateway, sign_in

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def gateway(settings: Settings, scratch_databases: None) -> AsyncIterator[FastAPI]:
    async with running_gateway(gateway_settings(settings)) as app:
        yield app


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found[1]


async def test_an_admin_adds_a_person_who_then_signs_in(gateway: FastAPI):
    admin, password = await person(gateway, Role.ADMIN)
    async with client(gateway) as http:
        await sign_in(http, admin, password)
        page = await http.get("/admin")

        added = await http.post(
            "/admin/users",
            data={
                "username": "shiftlead-anna",
                "password": "bologna-2026-forni",
                "role": "operator",
                "csrf_token": csrf_of(page.text),
            },
        )
        listed = await http.get("/admin")
    assert added.status_code == 303
    assert 'data-user="shiftlead-anna"' in listed.text
    async with client(gateway) as anna:
        assert (await sign_in(anna, "shiftlead-anna", "bologna-2026-forni")).status_code == 303
        assert (await anna.get("/api/me")).json()["role"] == "operator"


async def test_a_weak_password_is_refused_on_the_page_with_the_reason(gateway: FastAPI):
    admin, password = await person(gateway, Role.ADMIN)
    async with client(gateway) as http:
        await sign_in(http, admin, password)
        token = csrf_of((await http.get("/admin")).text)

        refused = await http.post(
            "/admin/users",
            data={"username": "bob", "password": "short", "role": "viewer", "csrf_token": token},
        )
    assert refused.status_code == 422
    assert "at least 10 characters" in refused.text


async def test_a_new_key_is_shown_once_then_only_its_prefix(gateway: FastAPI):
    admin, password = await person(gateway, Role.ADMIN)
    async with client(gateway) as http:
        await sign_in(http, admin, password)
        token = csrf_of((await http.get("/admin/keys")).text)

        created = await http.post(
            "/admin/keys", data={"name": "accounting", "scope": "read", "csrf_token": token}
        )
        secret = re.search(r'<code id="new-key">(llk_[^<]+)</code>', created.text)
        later = await http.get("/admin/keys")

    assert created.status_code == 201 and secret
    assert created.headers["cache-control"] == "no-store"
    assert secret[1] not in later.text
    assert secret[1].split("_")[1] in later.text  # the prefix, to tell keys apart
    async with client(gateway, headers={"Authorization": f"Bearer {secret[1]}"}) as machine:
        assert (await machine.get("/api/me")).json()["role"] == "viewer"


async def test_an_operator_never_sees_the_admin_pages(gateway: FastAPI):
    operator, password = await person(gateway, Role.OPERATOR)
    async with client(gateway) as http:
        await sign_in(http, operator, password)
        answer = await http.get("/admin/audit")
    assert answer.status_code == 403


async def test_the_audit_page_lists_sign_ins_in_italian(gateway: FastAPI):
    admin, password = await person(gateway, Role.ADMIN)
    async with client(gateway) as http:
        await sign_in(http, admin, password)
        page = await http.get(
            "/admin/audit", params={"actor": admin}, headers={"Accept-Language": "it-IT,it"}
        )
    assert "Registro delle operazioni" in page.text
    assert "POST /login" in page.text
