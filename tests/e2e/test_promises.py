"""Honest delivery dates over the real system: a quote equals the promise of the order placed
right after it and reserves nothing; the promise includes the supplier lead time of a short
ingredient; receiving it early moves the promise earlier quietly; a line breakdown slips it,
``orders.promise_changed`` is published once per change and the customer is mailed once."""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.orders.notifications.locales import long_date
from shared.contracts import topics
from tests import kafka_marks
from tests.e2e import shopify
from tests.e2e.bakery import biscuits_on_an_oven
from tests.e2e.conftest import Mailbox, System, all_handled, eventually, json_of
from tests.e2e.test_make_to_order import order_status
from tests.e2e.test_shipping import localised
from tests.e2e.test_skeleton_flow import external_id_of, new_shop
from tests.integration.kafka_helpers import read_until

pytestmark = pytest.mark.e2e


def of_order(records: list[Any], order_id: str) -> list[dict[str, Any]]:
    """The payloads of the order's ``orders.promise_changed`` among ``records``."""
    found = []
    for record in records:
        envelope = json.loads(record.value)
        if (
            envelope["event_type"] == "orders.promise_changed"
            and envelope["payload"]["order_id"] == order_id
        ):
            found.append(envelope["payload"])
    return found


async def promise_changes(
    system: System, order_id: str, count: int, *, timeout: float = 10
) -> list[dict[str, Any]]:
    """Every orders.promise_changed of the order on the topic (waits for ``count``)."""

    records = await read_until(
        system.settings.kafka.bootstrap_servers,
        system.settings.kafka.topic(topics.ORDERS),
        lambda rs: len(of_order(rs, order_id)) >= count,
        timeout=timeout,
    )
    return of_order(records, order_id)


async def test_quote_order_early_receipt_and_breakdown_move_the_promise_honestly(
    gateway, system: System, mailbox: Mailbox
):
    flour, jar, biscuits, line = await biscuits_on_an_oven(gateway)
    tag = line.removeprefix("OVEN-")
    # The jar lot must be known to production before quoting (its read model is eventual).
    quote_body = {"lines": [{"item_code": biscuits, "quantity": "10", "unit": "pc"}]}

    async def quote() -> Any:
        return await json_of(await gateway.post("/api/quotes", json=quote_body))

    quoted = await eventually(quote, lambda q: "FLOUR" in q["dominant"], timeout=30)
    assert quoted["dominant"] == f"material {flour} (10 days)"
    lots = await json_of(await gateway.get("/api/lots", params={"item_code": jar}))
    assert [lot["reserved"] for lot in lots] == ["0"]  # the quote reserved nothing

    shop = await new_shop(gateway)
    await json_of(
        await gateway.put(
            f"/api/shops/{shop.domain}/sku-mappings/{biscuits}", json={"item_code": biscuits}
        )
    )
    email = f"promise-{tag.lower()}@example.org"
    body = localised(shopify.order_body([(biscuits, 10)]), locale="it", country="IT", email=email)
    await shopify.post(gateway, body, shopify.headers(body, shop=shop.domain, secret=shop.secret))
    order = await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: o is not None and o["promised_on"] is not None,
    )
    first = date.fromisoformat(order["promised_on"])
    assert order["promised_on"] == quoted["promised_on"]  # the quote told the truth
    assert order["promise_reason"] == f"material {flour} (10 days)"

    # A purchase order due in five days replaces the ten-day lead time.
    due = datetime.now(UTC).date() + timedelta(days=5)
    purchase = await json_of(
        await gateway.post(
            "/api/purchase-orders",
            json={"item_code": flour, "quantity": "5", "unit": "kg", "expected_on": str(due)},
        )
    )
    assert (purchase["supplier"], purchase["status"], purchase["remaining"]) == (
        "Mulino Rossi",
        "open",
        "5",
    )
    order = await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: "purchase order" in o["promise_reason"],
    )
    assert order["promise_reason"] == f"material {flour} (purchase order due {due})"
    ordered = date.fromisoformat(order["promised_on"])
    assert ordered < first

    # Received early, in two deliveries: the first (1 kg) is not enough for the batch.
    for quantity in ("1", "4"):
        await json_of(
            await gateway.post(
                "/api/receipts",
                json={
                    "item_code": flour,
                    "quantity": quantity,
                    "unit": "kg",
                    "supplier": "Mulino Rossi",
                    "supplier_lot_code": f"MR-{tag}-{quantity}",
                    "purchase_order_id": purchase["id"],
                },
            )
        )
        if quantity == "1":
            partly = await json_of(await gateway.get(f"/api/purchase-orders/{purchase['id']}"))
            assert (partly["status"], partly["received"], partly["remaining"]) == (
                "open",
                "1",
                "4",
            )
    done = await json_of(await gateway.get(f"/api/purchase-orders/{purchase['id']}"))
    assert (done["status"], done["remaining"]) == ("received", "0")
    order = await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: date.fromisoformat(o["promised_on"]) < ordered,
    )
    earlier = date.fromisoformat(order["promised_on"])

    today = datetime.now(UTC).date()
    calendar = await json_of(
        await gateway.get(
            f"/api/lines/{line}/calendar",
            params={"from": today.isoformat(), "to": (today + timedelta(days=14)).isoformat()},
        )
    )
    first_two = [d["on"] for d in calendar["days"] if d["minutes"] > 0][:2]
    await json_of(
        await gateway.put(
            f"/api/lines/{line}/capacity",
            json={"from": first_two[0], "to": first_two[-1], "minutes": 0},
        )
    )
    order = await eventually(
        functools.partial(order_status, gateway, external_id_of(body)),
        lambda o: date.fromisoformat(o["promised_on"]) > earlier,
    )
    slipped = date.fromisoformat(order["promised_on"])
    assert order["promise_reason"] == f"line {line} down until {first_two[-1]}"

    changes = await promise_changes(system, order["id"], 3)
    assert [(c["previous_promised_on"], c["promised_on"], c["slipped"]) for c in changes] == [
        (first.isoformat(), ordered.isoformat(), False),
        (ordered.isoformat(), earlier.isoformat(), False),
        (earlier.isoformat(), slipped.isoformat(), True),
    ]
    # A later re-plan of the same plan publishes nothing more: one is woken (the same
    # capacity put again changes nothing), and once a pass begun after this point has
    # finished, whatever it published is followed through every consumer and the topic is
    # read to its end — no sleep, no waiting for a change that should not come.
    begun, _ = await replan_passes(system)
    await json_of(
        await gateway.put(
            f"/api/lines/{line}/capacity",
            json={"from": first_two[0], "to": first_two[-1], "minutes": 0},
        )
    )
    await eventually(functools.partial(replan_passes, system), lambda p: p[1] > begun)
    await all_handled(system)
    orders_topic = system.settings.kafka.topic(topics.ORDERS)
    marks = await kafka_marks.end_offsets(system.settings.kafka, [orders_topic])
    records = await kafka_marks.read_to_marks(system.settings.kafka, marks)
    assert len(of_order(records, order["id"])) == 3
    mails = await eventually(
        lambda: _slip_mails(mailbox, email), lambda ms: len(ms) == 1, timeout=30
    )
    text = mails[0].get_body(("plain",)).get_content()
    assert long_date(earlier, "it") in text and long_date(slipped, "it") in text
    timeline = await json_of(await gateway.get(f"/api/orders/{order['id']}/timeline"))
    kinds = [e["kind"] for e in timeline if e["kind"].startswith("promise.")]
    assert kinds == ["promise.set", "promise.earlier", "promise.earlier", "promise.slipped"]


async def replan_passes(system: System) -> tuple[int, int]:
    """Production's re-plan passes begun and finished so far, from its ``/metrics``."""
    async with httpx.AsyncClient() as client:
        text = (
            await client.get(f"http://127.0.0.1:{system.settings.ports.production}/metrics")
        ).text
    found = {
        sample.name: int(sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return (
        found["lotline_promise_replans_started_total"],
        found["lotline_promise_replans_completed_total"],
    )


async def _slip_mails(mailbox: Mailbox, email: str) -> list[Any]:
    return [m for m in mailbox.to(email) if "Nuova data di consegna" in str(m["Subject"])]
