"""The sales-channel port: the registry answers for every channel Lotline has, the channels
without a shop say what they do not support, and the shared write-back and stock-push code
never branches on a channel's name."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import httpx
import pytest

from services.connectors.channels import registry
from services.connectors.channels.port import Capability, NotSupported, Refused
from services.connectors.channels.registry import Channels, UnknownChannel
from services.connectors.config import ConnectorsSettings
from services.connectors.direct_orders.channel import DirectChannel
from shared.contracts.orders import ShipmentDispatched

CONNECTORS = Path(__file__).resolve().parents[3] / "services" / "connectors"
SHARED_CODE = ("write_back", "stock_push", "handlers.py", "retrying.py")
CHANNEL_NAMES = {"shopify", "etsy", "amazon", "manual", "wholesale", "woocommerce"}


def shipped(channel: str) -> ShipmentDispatched:
    return ShipmentDispatched(
        order_id=uuid.uuid4(),
        shipment_id=uuid.uuid4(),
        channel=channel,
        shop="a.example",
        external_id="1",
        carrier="DHL",
        lots=(),
        completes_order=False,
    )


def test_the_registry_answers_for_every_channel_with_what_it_supports() -> None:
    channels = registry.build(ConnectorsSettings())

    assert channels.supporting(Capability.FULFILMENT) == [
        "amazon",
        "etsy",
        "shopify",
        "woocommerce",
    ]
    assert channels.supporting(Capability.STOCK_PUSH) == ["amazon", "shopify", "woocommerce"]
    assert channels.owning("fulfillment").name == "shopify"
    assert channels.owning("etsy_shipment").name == "etsy"
    assert channels.owning("woocommerce_completion").name == "woocommerce"
    assert channels.owning("amazon_shipment").name == "amazon"
    for direct in ("manual", "wholesale"):
        assert channels.get(direct).capabilities == frozenset()
    assert channels.get("amazon").capabilities == frozenset(
        {Capability.FULFILMENT, Capability.STOCK_PUSH, Capability.ORDER_LISTING}
    )
    assert channels.supporting(Capability.ORDER_LISTING) == [
        "amazon",
        "etsy",
        "shopify",
        "woocommerce",
    ]


def test_an_unregistered_channel_is_a_refusal_not_a_crash() -> None:
    channels = Channels([])

    assert not channels.supports("woocommerce", Capability.FULFILMENT)
    with pytest.raises(UnknownChannel, match="woocommerce") as raised:
        channels.get("woocommerce")
    assert isinstance(raised.value, Refused)


async def test_the_manual_channel_says_what_it_does_not_support() -> None:
    manual = DirectChannel("manual")

    with pytest.raises(NotSupported, match="manual channel does not support fulfilment") as no:
        manual.plan_fulfilment(shipped("manual"))
    assert isinstance(no.value, Refused)  # a write-back asking for it dies with the reason
    async with httpx.AsyncClient() as http:
        with pytest.raises(NotSupported, match="does not support stock push"):
            await manual.shop_stock(None, http, "a.example")  # type: ignore[arg-type]


def _shared_modules() -> list[Path]:
    found: list[Path] = []
    for name in SHARED_CODE:
        path = CONNECTORS / name
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def test_the_shared_write_back_and_stock_push_code_names_no_channel() -> None:
    modules = _shared_modules()
    assert len(modules) >= 8, modules  # the scan saw the shared code, not an empty folder
    offences: list[str] = []
    for module in modules:
        tree = ast.parse(module.read_text(), filename=str(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.lower() in CHANNEL_NAMES:
                    offences.append(f"{module.name}:{node.lineno} {node.value!r}")
            elif isinstance(node, ast.Name) and node.id.lower() in CHANNEL_NAMES:
                offences.append(f"{module.name}:{node.lineno} {node.id}")
            elif isinstance(node, ast.ImportFrom) and node.module:
                parts = set(node.module.split("."))
                if parts & (CHANNEL_NAMES | {"direct_orders"}):
                    offences.append(f"{module.name}:{node.lineno} from {node.module}")
    assert offences == []
