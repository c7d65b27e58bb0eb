"""The fake Shopify Admin API answers like Shopify, so a wrong query fails here, not in
production: selected fields only, unknown fields refused, cost on every answer, 401 text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.connectors.shopify.admin import FULFILLMENT_CREATE, ORDER_FULFILLMENT_QUERY
from tests.fakes.shopify_admin import UNAUTHORIZED, FakeShopifyAdmin, running_fake

ORDER = "5940217610354"
LAVENDER = "13260832866512"


@pytest.fixture
async def fake() -> AsyncIterator[FakeShopifyAdmin]:
    async with running_fake() as fake:
        fake.add_order(ORDER, [(LAVENDER, "LAV-250", 3)])
        yield fake


async def ask(
    fake: FakeShopifyAdmin, query: str, variables: dict[str, Any], *, token: str | None = None
) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            fake.url,
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": token or fake.access_token},
        )
    return response


async def test_the_order_query_gets_exactly_the_fields_it_selects_and_the_cost(fake):
    answer = await ask(fake, ORDER_FULFILLMENT_QUERY, {"id": f"gid://shopify/Order/{ORDER}"})

    body = answer.json()
    [fo] = body["data"]["order"]["fulfillmentOrders"]["nodes"]
    [line] = fo["lineItems"]["nodes"]
    assert set(fo) == {"id", "status", "lineItems"}
    assert fo["status"] == "OPEN"
    assert line["remainingQuantity"] == 3
    assert line["lineItem"] == {"id": f"gid://shopify/LineItem/{LAVENDER}", "sku": "LAV-250"}
    assert body["data"]["order"]["fulfillments"] == []
    throttle = body["extensions"]["cost"]["throttleStatus"]
    assert set(throttle) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}


async def test_an_unknown_order_is_null_and_an_unknown_mutation_is_refused(fake):
    unknown = await ask(fake, ORDER_FULFILLMENT_QUERY, {"id": "gid://shopify/Order/1"})
    renamed = await ask(
        fake,
        FULFILLMENT_CREATE.replace("fulfillmentCreate(", "fulfillmentCreateV9("),
        {"fulfillment": {"lineItemsByFulfillmentOrder": []}},
    )
    missing = await ask(fake, FULFILLMENT_CREATE, {})

    assert unknown.json()["data"] == {"order": None}
    assert renamed.json()["errors"][0]["message"] == (
        "Field 'fulfillmentCreateV9' doesn't exist on type 'Mutation'"
    )
    assert missing.json()["errors"][0]["message"] == (
        "Variable $fulfillment of type FulfillmentInput! was provided invalid value"
    )


async def test_a_field_that_does_not_exist_is_named_in_the_error(fake):
    answer = await ask(
        fake,
        "query($id: ID!) { order(id: $id) { fulfilmentOrders(first: 1) { nodes { id } } } }",
        {"id": f"gid://shopify/Order/{ORDER}"},
    )

    [error] = answer.json()["errors"]
    assert error["message"] == "Field 'fulfilmentOrders' doesn't exist on type 'Order'"
    assert error["extensions"]["code"] == "undefinedField"


async def test_an_input_field_fulfillment_input_does_not_define_is_refused(fake):
    fo = fake.orders[ORDER].fulfillment_orders[0]
    variables = {
        "fulfillment": {
            "lineItemsByFulfillmentOrder": [
                {"fulfillmentOrderId": f"gid://shopify/FulfillmentOrder/{fo.id}"}
            ],
            "tracking": {"number": "X"},
        }
    }

    answer = await ask(fake, FULFILLMENT_CREATE, variables)

    assert (
        "tracking (Field is not defined on FulfillmentInput)"
        in answer.json()["errors"][0]["message"]
    )
    assert fake.fulfillments(ORDER) == []


async def test_a_wrong_token_is_refused_with_shopifys_text(fake):
    answer = await ask(fake, ORDER_FULFILLMENT_QUERY, {"id": "x"}, token="shpat_wrong")

    assert answer.status_code == 401
    assert answer.json() == {"errors": UNAUTHORIZED}


async def test_an_empty_bucket_throttles_until_it_refills():
    async with running_fake(maximum_available=20.0, restore_rate=1.0, query_cost=13) as fake:
        variables = {"id": f"gid://shopify/Order/{ORDER}"}

        first = await ask(fake, ORDER_FULFILLMENT_QUERY, variables)
        second = await ask(fake, ORDER_FULFILLMENT_QUERY, variables)

    assert first.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 7
    assert second.status_code == 200
    assert second.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert second.json()["extensions"]["cost"]["actualQueryCost"] is None
    assert second.json()["extensions"]["cost"]["requestedQueryCost"] == 13
