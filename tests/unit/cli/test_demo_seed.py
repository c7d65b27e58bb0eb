"""``demo seed`` is safe to run again: receipts and recipes are not idempotent at the
gateway, so the seed asks first; recipes wait for production to learn of new items."""

import json
from typing import Any

import httpx
import pytest

from services.cli import demo
from services.cli.client import Gateway, GatewayError, post_when_known


class FakeLotline:
    """Just enough of the gateway for the seed; production lags ``lag`` recipe attempts."""

    def __init__(self, *, lag: int = 0) -> None:
        self.shops: set[str] = set()
        self.items: set[str] = set()
        self.lots: dict[str, list[str]] = {}
        self.recipes: dict[str, int] = {}
        self.posts: list[str] = []
        self.lag = lag

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        body: Any = json.loads(request.content) if request.content else None
        if method == "POST":
            self.posts.append(path)
        if (method, path) == ("POST", "/api/shops"):
            return self._once(self.shops, body["domain"])
        if (method, path) == ("POST", "/api/items"):
            return self._once(self.items, body["code"])
        if (method, path) == ("POST", "/api/lots"):
            answer = self._once(set(self.lots.get(body["item_code"], [])), body["lot_code"])
            if answer.status_code == 201:
                self.lots.setdefault(body["item_code"], []).append(body["lot_code"])
            return answer
        if (method, path) == ("POST", "/api/receipts"):
            code = (
                f"{body['item_code']}-R261125-{len(self.lots.get(body['item_code'], [])) + 1:02d}"
            )
            self.lots.setdefault(body["item_code"], []).append(code)
            return httpx.Response(201, json={"lot_code": code})
        if (method, path) == ("GET", "/api/lots"):
            codes = self.lots.get(request.url.params["item_code"], [])
            return httpx.Response(200, json=[{"lot_code": c} for c in codes])
        if method == "GET" and path.startswith("/api/recipes/"):
            item = path.rsplit("/", 1)[1]
            if item not in self.recipes:
                return httpx.Response(404, json={"detail": f"no recipe for {item}"})
            return httpx.Response(200, json={"item_code": item, "active": {"version": 1}})
        if (method, path) == ("POST", "/api/recipes"):
            return self._recipe(body)
        if (method, path) == ("GET", "/api/stock"):
            return httpx.Response(200, json=[])
        return httpx.Response(201 if method == "POST" else 200, json={})

    @staticmethod
    def _once(known: set[str], key: str) -> httpx.Response:
        if key in known:
            return httpx.Response(409, json={"detail": f"{key} already exists"})
        known.add(key)
        return httpx.Response(201, json={})

    def _recipe(self, body: dict[str, Any]) -> httpx.Response:
        if self.lag > 0:
            self.lag -= 1
            return httpx.Response(422, json={"detail": "output item BISCUIT-DOUGH is unknown"})
        version = self.recipes.get(body["item_code"], 0) + 1
        self.recipes[body["item_code"]] = version
        return httpx.Response(201, json={"item_code": body["item_code"], "version": version})


def seed(fake: FakeLotline) -> list[tuple[str, str]]:
    with Gateway("http://lotline.test", transport=httpx.MockTransport(fake)) as gateway:
        return demo.seed(gateway)


def test_the_first_seed_receives_the_materials_and_defines_both_recipes():
    fake = FakeLotline()

    steps = dict((what.split(":")[0], outcome) for what, outcome in seed(fake))

    assert fake.lots["FLOUR-00"] == ["FLOUR-00-R261125-01"]
    assert steps["lot FLOUR-00-R261125-01"] == "received"
    assert fake.lots["BUTTER-BISCUITS-250G"] == ["BB-2611-A"]
    assert fake.recipes == {"BISCUIT-DOUGH": 1, "BUTTER-BISCUITS-250G": 1}
    assert {"FLOUR-00", "BUTTER", "SUGAR", "JAR-GLASS-250", "BISCUIT-DOUGH"} <= fake.items


def test_a_second_seed_makes_no_new_lot_and_no_new_recipe_version():
    fake = FakeLotline()
    seed(fake)
    fake.posts.clear()

    steps = seed(fake)

    assert "/api/receipts" not in fake.posts
    assert "/api/recipes" not in fake.posts
    assert all(len(codes) == 1 for item, codes in fake.lots.items() if item != "LAVENDER-SOAP-100G")
    assert {outcome for _, outcome in steps} == {"already there", "mapped"}


def test_recipes_wait_while_production_does_not_know_the_items_yet():
    fake = FakeLotline(lag=2)

    seed(fake)

    assert fake.recipes == {"BISCUIT-DOUGH": 1, "BUTTER-BISCUITS-250G": 1}
    assert fake.posts.count("/api/recipes") == 4


def test_an_item_still_unknown_when_the_wait_is_over_is_an_error():
    fake = FakeLotline(lag=100)
    notes: list[str] = []

    with (
        Gateway("http://lotline.test", transport=httpx.MockTransport(fake)) as gateway,
        pytest.raises(GatewayError, match="422: output item BISCUIT-DOUGH is unknown"),
    ):
        post_when_known(
            gateway, "/api/recipes", {"item_code": "X"}, wait=0.05, poll=0.01, on_retry=notes.append
        )

    assert notes == ["output item BISCUIT-DOUGH is unknown"]


def test_any_other_refusal_of_a_recipe_is_not_retried():
    def refuse(request: httpx.Request) -> httpx.Response:
        refuse.calls += 1  # type: ignore[attr-defined]
        return httpx.Response(422, json={"detail": "recipe for X makes a cycle: X → Y → X"})

    refuse.calls = 0  # type: ignore[attr-defined]

    with (
        Gateway("http://lotline.test", transport=httpx.MockTransport(refuse)) as gateway,
        pytest.raises(GatewayError, match="cycle"),
    ):
        post_when_known(gateway, "/api/recipes", {}, wait=10, poll=0.01)

    assert refuse.calls == 1  # type: ignore[attr-defined]
