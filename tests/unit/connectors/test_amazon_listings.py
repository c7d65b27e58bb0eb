"""The Listings Items API as the stock push speaks it: the merchant-fulfilled quantity
read from ``fulfillmentAvailability``, the JSON Patch that sets it, refused submissions.
Pure."""

from __future__ import annotations

from typing import Any

import pytest

from services.connectors.amazon.listings import Level, accepted, patch_body, read_level
from services.connectors.channels.port import Refused


def test_the_patch_replaces_the_default_channel_quantity() -> None:
    assert patch_body(7) == {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}],
            }
        ],
    }


def test_zero_is_a_quantity_and_a_negative_one_is_a_bug() -> None:
    assert patch_body(0)["patches"][0]["value"][0]["quantity"] == 0
    with pytest.raises(ValueError, match="negative"):
        patch_body(-1)


@pytest.mark.parametrize(
    ("item", "available"),
    [
        (
            {
                "sku": "S",
                "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": 4}],
            },
            4,
        ),
        # FBA's quantity is Amazon's warehouse, not the seller's: only DEFAULT counts
        (
            {
                "sku": "S",
                "fulfillmentAvailability": [
                    {"fulfillmentChannelCode": "AMAZON_EU", "quantity": 30},
                    {"fulfillmentChannelCode": "DEFAULT", "quantity": 2},
                ],
            },
            2,
        ),
        (
            {
                "sku": "S",
                "fulfillmentAvailability": [{"fulfillmentChannelCode": "AMAZON_NA", "quantity": 9}],
            },
            0,
        ),
        ({"sku": "S", "fulfillmentAvailability": []}, 0),
        ({"sku": "S"}, 0),
        ({"sku": "S", "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT"}]}, 0),
    ],
)
def test_the_level_is_the_default_channel_quantity(item: dict[str, Any], available: int) -> None:
    assert read_level(item, "S") == Level("S", available)


@pytest.mark.parametrize(
    "item",
    [
        {"fulfillmentAvailability": {"fulfillmentChannelCode": "DEFAULT"}},
        {"fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": "3"}]},
        {"fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": -1}]},
    ],
)
def test_an_unreadable_level_is_refused(item: dict[str, Any]) -> None:
    with pytest.raises(Refused):
        read_level(item, "S")


def test_only_an_accepted_submission_passes() -> None:
    accepted({"sku": "S", "status": "ACCEPTED", "submissionId": "x", "issues": []}, "S")
    invalid = {
        "sku": "S",
        "status": "INVALID",
        "issues": [{"code": "90220", "message": "'quantity' is required", "severity": "ERROR"}],
    }
    with pytest.raises(Refused, match="INVALID: 90220: 'quantity' is required"):
        accepted(invalid, "S")
