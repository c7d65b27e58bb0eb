"""One bound on an order's lines for every channel: a Shopify order past it is unreadable
(refused, and a signed one kept dead), a manual order past it is a 422."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.connectors.direct_orders.manual_orders_api import ManualOrderIn
from services.connectors.shopify.order_snapshot import read_order
from services.connectors.shopify.orders import InvalidShopifyOrder
from shared.contracts.connectors import MAX_LINES_PER_ORDER


def shopify_order(lines: int) -> dict[str, object]:
    items = [{"id": n, "quantity": 1} for n in range(1, lines + 1)]
    return {"id": 7, "updated_at": "2026-12-06T10:00:00+01:00", "line_items": items}


def test_a_shopify_order_at_the_bound_reads_and_one_past_it_is_refused():
    assert len(read_order(shopify_order(MAX_LINES_PER_ORDER)).lines) == MAX_LINES_PER_ORDER
    with pytest.raises(InvalidShopifyOrder, match=f"more than {MAX_LINES_PER_ORDER}"):
        read_order(shopify_order(MAX_LINES_PER_ORDER + 1))


@pytest.mark.parametrize("lines", [MAX_LINES_PER_ORDER, MAX_LINES_PER_ORDER + 1])
def test_a_manual_order_past_the_bound_is_refused(lines):
    body = {
        "source": "phone",
        "customer": {"name": "Trattoria"},
        "lines": [{"item_code": "SOAP", "quantity": "1"}] * lines,
    }
    if lines > MAX_LINES_PER_ORDER:
        with pytest.raises(ValidationError, match="at most 500 items"):
            ManualOrderIn.model_validate(body)
    else:
        assert len(ManualOrderIn.model_validate(body).lines) == lines
