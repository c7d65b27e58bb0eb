"""Which correlation id and order id a consumed event or a request binds."""

from __future__ import annotations

from uuid import UUID, uuid4

import structlog

from shared.contracts.envelope import Envelope
from shared.contracts.orders import OrderCancelled
from shared.observability import correlation
from shared.observability.middleware import request_fields

ORDER = UUID("5b6c7d8e-9fa0-4b1c-8d2e-3f4a5b6c7d8e")


def test_an_event_binds_its_flow_and_its_order():
    event = OrderCancelled(order_id=ORDER, reason="customer asked")
    flow = uuid4()
    envelope = Envelope.wrap(event, correlation_id=flow)

    fields = correlation.event_fields(envelope, event)

    assert fields["correlation_id"] == str(flow)
    assert fields["order_id"] == str(ORDER)
    assert fields["event_type"] == "orders.order_cancelled"


def test_an_event_that_started_a_flow_is_its_own_correlation():
    envelope = Envelope.wrap(OrderCancelled(order_id=ORDER, reason="x"))

    assert correlation.correlation_of(envelope) == envelope.event_id


def test_only_a_uuid_header_is_trusted():
    flow = uuid4()

    assert correlation.parse_header(f" {flow} ") == flow
    assert correlation.parse_header("'; DROP TABLE") is None
    assert correlation.parse_header(None) is None


def test_the_order_in_a_path_is_found():
    assert correlation.order_id_in_path(f"/api/orders/{ORDER}/shipments") == ORDER
    assert correlation.order_id_in_path(f"/api/trace/orders/{ORDER}/backward") == ORDER
    assert correlation.order_id_in_path(f"/api/orders/{ORDER}") == ORDER
    assert correlation.order_id_in_path("/api/orders") is None
    assert correlation.order_id_in_path(f"/api/shipments/{ORDER}") is None


def test_a_request_without_a_header_gets_a_fresh_correlation_id():
    given = uuid4()

    assert request_fields("/api/stock", str(given)) == {"correlation_id": str(given)}
    fresh = request_fields(f"/api/orders/{ORDER}/cancel", None)
    assert UUID(fresh["correlation_id"]) != given and fresh["order_id"] == str(ORDER)


def test_the_bound_correlation_is_current_only_inside_the_block():
    flow = uuid4()

    with correlation.bound(correlation_id=str(flow)):
        inside = correlation.current_correlation_id()

    assert inside == flow
    assert correlation.current_correlation_id() is None


def test_a_nested_binding_gives_back_the_outer_values_and_leaves_other_keys_alone():
    outer, inner = uuid4(), uuid4()

    with correlation.bound(correlation_id=str(outer), event_type="a"):
        with correlation.bound(correlation_id=str(inner), order_id="o-1"):
            nested = structlog.contextvars.get_contextvars()
        after = structlog.contextvars.get_contextvars()

    assert nested == {"correlation_id": str(inner), "event_type": "a", "order_id": "o-1"}
    assert after == {"correlation_id": str(outer), "event_type": "a"}
    assert structlog.contextvars.get_contextvars() == {}
