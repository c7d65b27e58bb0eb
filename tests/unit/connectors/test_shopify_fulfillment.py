"""From shipped lots to Shopify fulfillment order line items, and the mutation's variables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.connectors.shopify import fulfillment as f
from shared.contracts.orders import ShippedLot
from shared.units import Quantity

FO1, FO2 = "gid://shopify/FulfillmentOrder/1", "gid://shopify/FulfillmentOrder/2"
LAVENDER, HONEY = "13260832866512", "13260832866513"


def lot(line_item: str | None, qty: str, *, unit: str = "pc", code: str = "L-1") -> ShippedLot:
    return ShippedLot(
        line_no=1,
        external_line_id=line_item,
        item_code="SOAP",
        lot_code=code,
        quantity=Quantity.of(qty, unit),
    )


def fo_line(n: int, line_item: str, remaining: int) -> f.FulfillmentOrderLine:
    return f.FulfillmentOrderLine(
        f"gid://shopify/FulfillmentOrderLineItem/{n}", line_item, remaining
    )


def order(
    *fos: f.FulfillmentOrder, fulfillments: tuple[f.ExistingFulfillment, ...] = ()
) -> f.OrderFulfilment:
    return f.OrderFulfilment(fulfillment_orders=fos, fulfillments=fulfillments)


def one_fo(lavender: int = 5, honey: int = 2, status: str = "OPEN") -> f.OrderFulfilment:
    return order(
        f.FulfillmentOrder(
            FO1, status, (fo_line(11, LAVENDER, lavender), fo_line(12, HONEY, honey))
        )
    )


def test_lots_of_one_line_are_summed_per_shopify_line_item():
    lots = [lot(LAVENDER, "2", code="L-1"), lot(LAVENDER, "1", code="L-2"), lot(HONEY, "2")]

    assert f.shipped_quantities(lots) == {LAVENDER: 3, HONEY: 2}


def test_a_global_id_names_the_same_line_item_as_its_number():
    lots = [lot(f"gid://shopify/LineItem/{LAVENDER}", "1"), lot(LAVENDER, "1", code="L-2")]

    assert f.shipped_quantities(lots) == {LAVENDER: 2}


@pytest.mark.parametrize(
    ("shipped", "message"),
    [
        (lot(None, "1"), "no Shopify line item id"),
        (lot(LAVENDER, "1.5"), "whole pieces"),
        (lot(LAVENDER, "2", unit="kg"), "whole pieces"),
    ],
)
def test_a_shipment_shopify_cannot_count_is_refused(shipped, message):
    with pytest.raises(f.UnmappableShipment, match=message):
        f.shipped_quantities([shipped])


def test_a_whole_shipment_fulfils_every_line_of_the_fulfillment_order():
    plan = f.plan({LAVENDER: 5, HONEY: 2}, one_fo())

    assert plan == f.Create(
        (
            f.Group(
                FO1,
                (
                    ("gid://shopify/FulfillmentOrderLineItem/11", 5),
                    ("gid://shopify/FulfillmentOrderLineItem/12", 2),
                ),
            ),
        )
    )


def test_a_partial_shipment_fulfils_only_its_lines_and_quantities():
    plan = f.plan({LAVENDER: 2}, one_fo())

    assert plan == f.Create((f.Group(FO1, (("gid://shopify/FulfillmentOrderLineItem/11", 2),)),))


def test_a_line_item_split_over_two_fulfillment_orders_takes_from_each_in_turn():
    shop_order = order(
        f.FulfillmentOrder(FO1, "IN_PROGRESS", (fo_line(11, LAVENDER, 2),)),
        f.FulfillmentOrder(FO2, "OPEN", (fo_line(21, LAVENDER, 5),)),
    )

    plan = f.plan({LAVENDER: 4}, shop_order)

    assert plan == f.Create(
        (
            f.Group(FO1, (("gid://shopify/FulfillmentOrderLineItem/11", 2),)),
            f.Group(FO2, (("gid://shopify/FulfillmentOrderLineItem/21", 2),)),
        )
    )


def test_lines_with_nothing_left_on_shopify_count_as_fulfilled():
    assert f.plan({LAVENDER: 5, HONEY: 2}, one_fo(lavender=0, honey=0)) == f.AlreadyFulfilled(None)
    assert f.plan({LAVENDER: 5, HONEY: 2}, one_fo(lavender=0)) == f.Create(
        (f.Group(FO1, (("gid://shopify/FulfillmentOrderLineItem/12", 2),)),)
    )


def test_shipping_more_than_shopify_has_left_is_refused_before_asking_shopify():
    plan = f.plan({LAVENDER: 6}, one_fo(lavender=5))

    assert plan == f.CannotFulfil(
        "line item 13260832866512: 6 shipped, only 5 can be fulfilled on Shopify"
    )


def test_a_line_held_on_shopify_cannot_be_fulfilled_and_says_why():
    plan = f.plan({LAVENDER: 1}, one_fo(status="ON_HOLD"))

    assert isinstance(plan, f.CannotFulfil)
    assert "ON_HOLD" in plan.reason


def test_a_line_item_not_on_the_order_is_refused():
    plan = f.plan({"999": 1}, one_fo())

    assert plan == f.CannotFulfil("line items 999 are not on the Shopify order")


def test_the_mutation_variables_have_shopifys_fulfillment_input_shape():
    groups = [f.Group(FO1, (("gid://shopify/FulfillmentOrderLineItem/11", 2),))]
    tracking = f.Tracking(number="JJD0099", url="https://track.example/JJD0099", company="DHL")

    variables = f.mutation_variables(groups, tracking, notify_customer=True)

    assert variables == {
        "fulfillment": {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": FO1,
                    "fulfillmentOrderLineItems": [
                        {"id": "gid://shopify/FulfillmentOrderLineItem/11", "quantity": 2}
                    ],
                }
            ],
            "notifyCustomer": True,
            "trackingInfo": {
                "number": "JJD0099",
                "url": "https://track.example/JJD0099",
                "company": "DHL",
            },
        }
    }


def test_tracking_info_is_left_out_when_there_is_none_and_partly_when_partly_known():
    groups = [f.Group(FO1, (("gid://shopify/FulfillmentOrderLineItem/11", 1),))]

    bare = f.mutation_variables(groups, f.Tracking(), notify_customer=False)
    number_only = f.mutation_variables(groups, f.Tracking(number="X1"), notify_customer=False)

    assert "trackingInfo" not in bare["fulfillment"]
    assert bare["fulfillment"]["notifyCustomer"] is False
    assert number_only["fulfillment"]["trackingInfo"] == {"number": "X1"}


def test_our_own_earlier_fulfillment_is_found_by_its_tracking_number_unless_another_owns_it():
    mine = f.ExistingFulfillment("gid://shopify/Fulfillment/7", "SUCCESS", ("JJD0099",))
    cancelled = f.ExistingFulfillment("gid://shopify/Fulfillment/6", "CANCELLED", ("JJD0099",))

    assert f.existing_fulfillment([cancelled, mine], "JJD0099", claimed=set()) == mine.id
    assert f.existing_fulfillment([mine], "JJD0099", claimed={mine.id}) is None
    assert f.existing_fulfillment([mine], None, claimed=set()) is None


def test_the_order_query_answer_is_read_into_fulfillment_orders():
    answer = {
        "fulfillmentOrders": {
            "nodes": [
                {
                    "id": FO1,
                    "status": "OPEN",
                    "lineItems": {
                        "nodes": [
                            {
                                "id": "gid://shopify/FulfillmentOrderLineItem/11",
                                "remainingQuantity": 3,
                                "lineItem": {
                                    "id": f"gid://shopify/LineItem/{LAVENDER}",
                                    "sku": "LAV",
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "fulfillments": [
            {
                "id": "gid://shopify/Fulfillment/7",
                "status": "SUCCESS",
                "trackingInfo": [{"number": "X1"}],
            }
        ],
    }

    read = f.read_order(answer)

    assert read == order(
        f.FulfillmentOrder(FO1, "OPEN", (fo_line(11, LAVENDER, 3),)),
        fulfillments=(f.ExistingFulfillment("gid://shopify/Fulfillment/7", "SUCCESS", ("X1",)),),
    )


def test_an_answer_without_the_asked_fields_is_unreadable():
    with pytest.raises(f.UnreadableAnswer):
        f.read_order({"fulfillmentOrders": {"nodes": [{"id": FO1}]}})


remaining = st.integers(min_value=0, max_value=6)


@given(
    first=st.lists(remaining, min_size=2, max_size=2),
    second=st.lists(remaining, min_size=2, max_size=2),
    wanted=st.dictionaries(st.sampled_from([LAVENDER, HONEY]), st.integers(1, 12), min_size=1),
)
def test_a_plan_never_asks_more_than_a_fulfillment_order_line_has_left(first, second, wanted):
    shop_order = order(
        f.FulfillmentOrder(
            FO1, "OPEN", (fo_line(11, LAVENDER, first[0]), fo_line(12, HONEY, first[1]))
        ),
        f.FulfillmentOrder(
            FO2, "OPEN", (fo_line(21, LAVENDER, second[0]), fo_line(22, HONEY, second[1]))
        ),
    )
    left = {line.id: line.remaining for fo in shop_order.fulfillment_orders for line in fo.lines}
    ids = {
        line_item: {
            ln.id
            for fo in shop_order.fulfillment_orders
            for ln in fo.lines
            if ln.line_item_id == line_item
        }
        for line_item in wanted
    }
    on_shopify = {line_item: sum(left[i] for i in ids[line_item]) for line_item in wanted}

    plan = f.plan(wanted, shop_order)

    # Every outcome is checked against what the lines had left: none passes by checking
    # nothing (an empty plan, or a plan for no reason).
    if isinstance(plan, f.Create):
        asked = [(line_id, q) for group in plan.groups for line_id, q in group.items]
        assert asked, "a fulfilment that asks for nothing"
        assert all(0 < q <= left[line_id] for line_id, q in asked)
        for line_item, quantity in wanted.items():
            total = sum(q for line_id, q in asked if line_id in ids[line_item])
            assert total == (0 if on_shopify[line_item] == 0 else quantity)
    elif isinstance(plan, f.AlreadyFulfilled):
        assert all(n == 0 for n in on_shopify.values())
    else:
        assert any(0 < on_shopify[li] < q for li, q in wanted.items()), plan
