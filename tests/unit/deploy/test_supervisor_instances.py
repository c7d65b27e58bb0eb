"""``LOTLINE_INSTANCES=2`` in deploy/supervisor.py: a second process of every consuming
service, named ``<name>-2``, on its service's port + 100; the gateway stays one."""

from __future__ import annotations

import pytest

from deploy import supervisor


def test_two_instances_add_a_second_process_of_each_consuming_service_only():
    assert supervisor.instances(1) == ()
    assert supervisor.instances(2) == (
        "orders-2", "inventory-2", "production-2", "connectors-2", "trace-2",
    )  # fmt: skip
    assert len(supervisor.instances(3)) == 10
    assert not any(name.startswith("gateway") for name in supervisor.instances(3))


def test_an_instance_is_its_service_and_numbered():
    assert supervisor.service_of("orders-2") == "orders"
    assert supervisor.service_of("connectors-3") == "connectors"
    assert supervisor.service_of("orders") == "orders"
    assert supervisor.service_of("mailcatcher") == "mailcatcher"
    assert [supervisor.instance_number(n) for n in ("trace", "trace-2", "trace-3")] == [1, 2, 3]


def test_an_instance_listens_on_its_service_port_plus_a_hundred(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LOTLINE_PORTS__ORDERS", raising=False)
    assert (supervisor.port_of("orders"), supervisor.port_of("orders-2")) == (8101, 8201)
    monkeypatch.setenv("LOTLINE_PORTS__ORDERS", "21000")
    assert (supervisor.port_of("orders"), supervisor.port_of("orders-3")) == (21000, 21200)
