"""Snapshots of Shopify orders and what each new one means: stale, new, cancelled, edited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.connectors.shopify import order_changes, order_snapshot, order_state
from services.connectors.shopify.order_snapshot import OrderSnapshot
from services.connectors.shopify.order_state import StoredOrder, Verdict
from services.connectors.shopify.orders import InvalidShopifyOrder
from services.connectors.shopify.rest_orders import next_page, orders_url

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shopify"
T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
BIG_ID = 2**63 - 25  # beyond a float's 53 bits


def snapshot(at: datetime = T0, *, cancelled: bool = False, **lines: int) -> OrderSnapshot:
    return OrderSnapshot("1", at, at if cancelled else None, None, dict(lines))


def stored(at: datetime = T0, *, cancelled: bool = False, **lines: int) -> StoredOrder:
    return StoredOrder(at, at if cancelled else None, dict(lines))


def test_first_sight_of_an_order_is_new_or_born_cancelled():
    assert order_state.decide(None, snapshot(a=2)).verdict is Verdict.NEW
    assert order_state.decide(None, snapshot(cancelled=True, a=0)).verdict is Verdict.NEW_CANCELLED


def test_a_picture_not_newer_than_the_stored_one_changes_nothing():
    now = stored(T0, a=5)

    older = order_state.decide(now, snapshot(T0 - timedelta(seconds=1), a=1))
    same = order_state.decide(now, snapshot(T0, a=1))

    assert older.verdict is Verdict.STALE and not older.stores
    assert same.verdict is Verdict.STALE


def test_a_newer_cancellation_cancels_and_a_cancelled_order_stays_cancelled():
    later = T0 + timedelta(minutes=1)

    assert order_state.decide(stored(a=2), snapshot(later, cancelled=True)).verdict is (
        Verdict.CANCELLED
    )
    revived = order_state.decide(stored(cancelled=True, a=0), snapshot(later, a=2))
    assert revived.verdict is Verdict.UNCHANGED


def test_reductions_and_removals_are_an_edit_and_growth_alone_is_not():
    later = T0 + timedelta(minutes=1)

    edit = order_state.decide(stored(a=5, b=2), snapshot(later, a=3, c=1))
    grown = order_state.decide(stored(a=5), snapshot(later, a=7))

    assert edit.verdict is Verdict.EDITED
    assert edit.reduced == {"a": 3, "b": 0} and edit.grown == {"c": 1}
    assert grown.verdict is Verdict.UNCHANGED and grown.grown == {"a": 7}


@given(
    before=st.dictionaries(st.sampled_from("abcd"), st.integers(0, 9)),
    after=st.dictionaries(st.sampled_from("abcd"), st.integers(0, 9)),
    seconds=st.integers(-5, 5),
)
def test_an_edit_names_only_lines_that_fell_and_never_a_stale_picture(before, after, seconds):
    decision = order_state.decide(
        stored(T0, **before), snapshot(T0 + timedelta(seconds=seconds), **after)
    )

    if seconds <= 0:
        assert decision.verdict is Verdict.STALE
    for line, quantity in decision.reduced.items():
        assert quantity == after.get(line, 0) < before[line]


def order(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": BIG_ID,
        "updated_at": "2026-11-25T10:30:00+01:00",
        "cancelled_at": None,
        "line_items": [{"id": BIG_ID - 1, "quantity": 4, "current_quantity": 3}],
    }
    return {**base, **changes}


def test_a_snapshot_keeps_64_bit_ids_exact_and_reads_the_current_quantity():
    parsed = order_snapshot.read_order(json.loads(json.dumps(order())))

    assert parsed.external_id == str(BIG_ID)
    assert parsed.lines == {str(BIG_ID - 1): 3}
    assert parsed.updated_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "culprit"),
    [
        ({"id": 1.5e18}, "order.id"),
        ({"updated_at": "yesterday"}, "order.updated_at"),
        ({"updated_at": "2026-11-25T10:30:00"}, "no UTC offset"),
        ({"line_items": [{"id": 1, "current_quantity": -1}]}, "line_items[0].current_quantity"),
        ({"line_items": None}, "order.line_items"),
    ],
)
def test_an_unreadable_order_names_the_field_at_fault(changes, culprit):
    with pytest.raises(InvalidShopifyOrder, match=culprit.replace("[", r"\[").replace("]", r"\]")):
        order_snapshot.read_order(order(**changes))


def test_a_refund_restocks_only_returned_goods():
    refund = order_snapshot.read_refund(
        {
            "id": BIG_ID,
            "order_id": BIG_ID - 1,
            "refund_line_items": [
                {"line_item_id": 7, "quantity": 2, "restock_type": "return"},
                {"line_item_id": 8, "quantity": 1, "restock_type": "cancel"},
                {"line_item_id": 9, "quantity": 1, "restock_type": "no_restock"},
            ],
        }
    )

    assert refund.refund_id == str(BIG_ID) and refund.external_id == str(BIG_ID - 1)
    assert [(r.external_line_id, r.restocked) for r in refund.lines] == [
        ("7", True),
        ("8", False),
        ("9", False),
    ]


def test_webhook_bodies_in_shopifys_shape_read_as_snapshots_and_refunds():
    """Our own fixtures, shaped like real bodies: the wire's escaped slashes, ids above
    2^53, an empty SKU, a cancel carrying its ``cancel`` refund with ``current_quantity`` 0."""
    created = order_snapshot.read_order(
        json.loads((FIXTURES / "orders-create.raw.txt").read_bytes())
    )
    cancel = json.loads((FIXTURES / "orders-cancelled.json").read_bytes())
    refund = order_snapshot.read_refund(json.loads((FIXTURES / "refunds-create.json").read_bytes()))

    assert created.external_id == "5982731046158209817"
    assert created.lines == {"14829301746501928374": 2, "14829301746501928375": 1}
    parsed = order_snapshot.read_order(cancel)
    assert parsed.external_id == "9007199254744993"  # exact: a float would end in ...992
    assert parsed.cancelled_at == datetime(2026, 11, 24, 2, 57, 18, tzinfo=UTC)
    assert parsed.cancel_reason == "customer"
    assert set(parsed.lines.values()) == {0}
    [cancel_refund] = order_snapshot.refunds_of(cancel)
    assert not cancel_refund.restocks  # a "cancel" refund of unshipped goods restocks nothing
    assert (refund.refund_id, refund.external_id) == ("1125899906843003", "9007199254744995")
    assert [(r.quantity, r.restocked) for r in refund.lines] == [(1, True), (1, False)]
    before = StoredOrder(
        parsed.updated_at - timedelta(minutes=17), None, {k: 2 for k in parsed.lines}
    )
    assert order_state.decide(before, parsed).verdict is Verdict.CANCELLED


def test_the_listing_follows_the_next_link_and_sits_beside_the_graphql_endpoint():
    link = (
        "<https://s.myshopify.com/admin/api/2025-01/orders.json?limit=7&page_info=abc>; "
        'rel="previous", <https://s.myshopify.com/admin/api/2025-01/orders.json?limit=7'
        '&page_info=def>; rel="next"'
    )

    assert (
        next_page(link)
        == "https://s.myshopify.com/admin/api/2025-01/orders.json?limit=7&page_info=def"
    )
    assert next_page(None) is None
    assert orders_url("https://s.myshopify.com/admin/api/2025-01/graphql.json") == (
        "https://s.myshopify.com/admin/api/2025-01/orders.json"
    )


def test_applying_pictures_one_after_another_in_memory_keeps_a_cancellation():
    later = T0 + timedelta(minutes=1)
    payload = {"id": 1}  # only a new order reads the body

    cancelled = order_changes.change(
        stored(a=2), snapshot(later, cancelled=True), payload, shop="s", context=None
    )
    after = order_changes.change(
        cancelled.state,
        snapshot(later + timedelta(minutes=1), a=1),
        payload,
        shop="s",
        context=None,
    )
    stale = order_changes.change(after.state, snapshot(T0, a=9), payload, shop="s", context=None)

    assert [type(e).__name__ for e in cancelled.events] == ["ChannelOrderCancelled"]
    assert after.decision.verdict is Verdict.UNCHANGED and after.events == []
    assert after.state is not None and after.state.cancelled_at == later
    assert stale.state is None and stale.events == []
