"""A recall issued in error, withdrawn over the real system: an admin withdraws it with a
reason, inventory unblocks exactly the lots it blocked, the order it held goes back to ready
to ship, the stock counts again; a second withdrawal is refused and an operator may not."""

from __future__ import annotations

import functools
import uuid

import pytest

from tests.e2e import shopify
from tests.e2e.conftest import System, eventually, json_of
from tests.e2e.test_make_to_order import order_status
from tests.e2e.test_recall_availability import lot, stock_of
from tests.e2e.test_skeleton_flow import external_id_of, new_shop

pytestmark = pytest.mark.e2e


async def test_a_withdrawn_recall_unblocks_what_it_blocked_and_releases_the_order(
    gateway, system: System
):
    tag = uuid.uuid4().hex[:5].upper()
    soap, other = f"SOAP-{tag}", f"CREAM-{tag}"
    for code in (soap, other):
        await json_of(await gateway.post("/api/items", json={"code": code, "name": code}))
    await lot(gateway, soap, f"{soap}-A", "5", "pc")
    await lot(gateway, other, f"{other}-A", "4", "pc")
    shop = await new_shop(gateway)
    await json_of(
        await gateway.put(f"/api/shops/{shop.domain}/sku-mappings/{soap}", json={"item_code": soap})
    )
    body = shopify.order_body([(soap, 2)])
    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))
    await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: o is not None and o["status"] == "ready_to_ship",
    )
    # Another recall blocks the cream first: withdrawing ours must leave it blocked.
    await json_of(
        await gateway.post("/api/trace/recalls", json={"lot_code": f"{other}-A", "reason": "mould"})
    )
    recall = await json_of(
        await gateway.post(
            "/api/trace/recalls", json={"lot_code": f"{soap}-A", "reason": "wrong pH reading"}
        )
    )
    held = await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: o["status"] == "on_hold",
    )
    assert held["hold_reason"].startswith("recall: wrong pH reading")
    assert (await stock_of(gateway, soap))["available"] == "0"

    operator = await system.signed_in("operator")
    try:
        refused = await operator.post(
            f"/api/trace/recalls/{recall['recall_id']}/withdraw", json={"reason": "lab error"}
        )
    finally:
        await operator.aclose()
    assert refused.status_code == 403

    path = f"/api/trace/recalls/{recall['recall_id']}/withdraw"
    withdrawn = await json_of(await gateway.post(path, json={"reason": "lab retest: pH fine"}))
    assert withdrawn["withdrawn_reason"] == "lab retest: pH fine"
    assert withdrawn["withdrawn_by"] and withdrawn["withdrawn_at"]

    order = await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: o["status"] == "ready_to_ship",
    )
    assert order["hold_reason"] is None
    assert order["history"][-1]["reason"] == "recall withdrawn: lab retest: pH fine"
    soap_stock = await eventually(
        functools.partial(stock_of, gateway, soap), lambda s: s["blocked"] == "0"
    )
    assert (soap_stock["available"], soap_stock["reserved"]) == ("3", "2")
    assert (await stock_of(gateway, other))["available"] == "0"  # the other recall holds

    again = await gateway.post(path, json={"reason": "twice"})
    assert again.status_code == 409
    unknown = await gateway.post(
        f"/api/trace/recalls/{uuid.uuid4()}/withdraw", json={"reason": "nothing"}
    )
    assert unknown.status_code == 404
