"""Customers seen before, offered as the operator types a name or an e-mail on the new-order
form: the orders service searches its orders by customer, and each distinct customer among
them (by e-mail, else by name) is offered once, newest order first, with the address it
last shipped to. Picking one fills the customer's fields, so a regular is typed once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from services.gateway.dashboard.upstream import Upstream

SUGGESTIONS: Final = 8
ORDERS_LOOKED_AT: Final = 50
ADDRESS: Final = ("address1", "postal_code", "city", "country_code")


def fields_of(customer: Mapping[str, Any]) -> dict[str, str]:
    """An order's ``customer`` as the form's fields (empty text for what it lacks)."""
    address = customer.get("shipping_address") or {}
    found = {
        "customer_name": customer.get("name") or address.get("name"),
        "customer_email": customer.get("email"),
        "customer_locale": customer.get("locale"),
        **{key: address.get(key) for key in ADDRESS},
    }
    found["country_code"] = found["country_code"] or customer.get("country_code")
    return {key: str(value or "").strip() for key, value in found.items()}


def customers_in(orders: Iterable[Mapping[str, Any]], typed: str) -> list[dict[str, str]]:
    """The distinct customers of ``orders`` whose name or e-mail holds ``typed`` (any case),
    in the orders' order; an order found by its number alone offers nobody."""
    wanted = typed.strip().casefold()
    seen: set[str] = set()
    found: list[dict[str, str]] = []
    for order in orders:
        fields = fields_of(order.get("customer") or {})
        name, email = fields["customer_name"], fields["customer_email"]
        if wanted not in name.casefold() and wanted not in email.casefold():
            continue
        who = email.casefold() or name.casefold()
        if not who or who in seen:
            continue
        seen.add(who)
        found.append(fields)
    return found[:SUGGESTIONS]


async def suggestions(upstream: Upstream, typed: str) -> list[dict[str, str]]:
    """Up to eight customers for ``typed`` (none for fewer than 2 letters)."""
    text = typed.strip()
    if len(text) < 2:
        return []
    orders = await upstream.get("/api/orders", params={"q": text, "limit": ORDERS_LOOKED_AT})
    return customers_in(orders, text)
