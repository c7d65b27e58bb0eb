"""The rule of every route: public, or the level a caller needs. Pure; no I/O.

Every route the gateway answers or forwards has exactly one explicit rule here (or in the
``RULES`` of a dashboard page module); a request no rule names is refused, and a test
built from the route table fails when a new route arrives without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from services.gateway.access.principal import Level

PUBLIC: Final = "public"
Need = Level | Literal["public"]
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_PARAM = re.compile(r"\{(\w+)(:path)?\}")


@dataclass(frozen=True)
class Rule:
    """``method`` on paths shaped like ``template`` (FastAPI's ``{param}``) needs ``need``."""

    method: str
    template: str
    need: Need
    pattern: re.Pattern[str] = field(init=False, compare=False, repr=False)
    literal_length: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        regex, position = "", 0
        for match in _PARAM.finditer(self.template):
            regex += re.escape(self.template[position : match.start()])
            regex += (
                f"(?P<{match.group(1)}>.+)" if match.group(2) else f"(?P<{match.group(1)}>[^/]+)"
            )
            position = match.end()
        regex += re.escape(self.template[position:])
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))
        object.__setattr__(self, "literal_length", len(_PARAM.sub("", self.template)))


@dataclass(frozen=True)
class Match:
    rule: Rule
    params: dict[str, str]


def rules(need: Need, *routes: str) -> tuple[Rule, ...]:
    """``rules(Level.READ, "GET /api/items", …)``: one rule per ``METHOD template``."""
    out = []
    for route in routes:
        method, template = route.split(" ", 1)
        out.append(Rule(method, template, need))
    return tuple(out)


# What the services answer behind the gateway (their merged OpenAPI document).
SERVICE_RULES: tuple[Rule, ...] = (
    # Marketplaces and the carrier call these; each checks its own signature.
    *rules(
        PUBLIC,
        "POST /webhooks/shopify",
        "POST /webhooks/etsy",
        "POST /webhooks/woocommerce/{shop}",
        "POST /webhooks/sendcloud",
    ),
    # Shops and their secrets and tokens: admins only.
    *rules(
        Level.ADMIN,
        "POST /api/shops",
        "PATCH /api/shops/{domain}",
        "POST /api/etsy/shops",
        "POST /api/etsy/shops/{shop_id}/connect",
        "GET /api/etsy/oauth/callback",
        "POST /api/woocommerce/stores",
        "POST /api/amazon/sellers",
        "PUT /api/amazon/sellers/{seller_id}/authorisation",
        # Undoing a recall puts recalled stock back on sale: admins only (audited).
        "POST /api/trace/recalls/{recall_id}/withdraw",
        # Outbound webhooks: who hears about our orders, and with which secret.
        "POST /api/outbound-webhooks",
        "POST /api/outbound-webhooks/{subscription_id}/disable",
        "POST /api/outbound-webhooks/{subscription_id}/enable",
        "POST /api/outbound-webhooks/{subscription_id}/rotate-secret",
        "DELETE /api/outbound-webhooks/{subscription_id}",
        "POST /api/outbound-webhooks/deliveries/{delivery_id}/replay",
    ),
    *rules(
        Level.READ,
        "GET /api/shops",
        "GET /api/shops/{domain}/reconciliation",
        "GET /api/shops/{domain}/sku-mappings",
        "GET /api/etsy/shops/{shop_id}",
        "GET /api/etsy/shops/{shop_id}/receipts",
        "GET /api/woocommerce/stores/{shop}",
        "GET /api/woocommerce/stores/{shop}/orders",
        "GET /api/amazon/sellers/{seller_id}",
        "GET /api/amazon/sellers/{seller_id}/orders",
        "GET /api/amazon/sellers/{seller_id}/fba-sales",
        "GET /api/stock-sync",
        "GET /api/webhook-deliveries",
        "GET /api/webhook-deliveries/{webhook_id}",
        "GET /api/write-backs",
        "GET /api/outbound-webhooks",
        "GET /api/outbound-webhooks/deliveries",
        "GET /api/write-backs/{write_back_id}",
        "GET /api/dead-letters/orders",
        "GET /api/dead-letters/inventory",
        "GET /api/dead-letters/production",
        "GET /api/dead-letters/connectors",
        "GET /api/dead-letters/trace",
        "GET /api/items",
        "GET /api/items/{code}",
        "GET /api/ledger/mismatches",
        "GET /api/lots",
        "GET /api/purchase-orders",
        "GET /api/purchase-orders/{purchase_order_id}",
        "GET /api/reorder-points",
        "GET /api/shelf-life-rules",
        "GET /api/reservations",
        "GET /api/stock",
        "GET /api/suggestions",
        "GET /api/orders",
        "GET /api/orders/exceptions",
        "GET /api/orders/report",
        "GET /api/orders/costs",
        "GET /api/orders/costs.csv",
        "GET /api/orders/{order_id}/cost",
        "GET /api/orders/{order_id}",
        "GET /api/orders/{order_id}/shipments",
        "GET /api/orders/{order_id}/timeline",
        "GET /api/shipments/{shipment_id}",
        "GET /api/shipments/{shipment_id}/label.pdf",
        "GET /api/shipments/{shipment_id}/packing-slip.pdf",
        "GET /api/lines",
        "GET /api/lines/{code}/calendar",
        "GET /api/lines/plan",
        "GET /api/production-orders",
        "GET /api/production-orders/{production_order_id}",
        "GET /api/recipes",
        "GET /api/recipes/{item_code}",
        "GET /api/trace/lots/{lot_code}/backward",
        "GET /api/trace/lots/{lot_code}/forward",
        "GET /api/trace/orders/{order_id}/backward",
        "GET /api/trace/recalls",
        "GET /api/trace/recalls/{recall_id}",
        "GET /api/trace/recalls/{recall_id}/export.csv",
        "GET /api/trace/recalls/{recall_id}/report.pdf",
        "GET /api/trace/shipments/{shipment_id}/backward",
        "GET /api/trace/suppliers/{supplier}/lots/{supplier_lot_code}/forward",
        # Read-only computations: they answer a question and change nothing.
        "POST /api/availability",
        "POST /api/quotes",
    ),
    *rules(
        Level.WRITE,
        "POST /api/shops/{domain}/reconcile",
        "PUT /api/shops/{domain}/sku-mappings/{sku}",
        "DELETE /api/shops/{domain}/sku-mappings/{sku}",
        "POST /api/etsy/shops/{shop_id}/poll",
        "POST /api/woocommerce/stores/{shop}/reconcile",
        "POST /api/amazon/sellers/{seller_id}/poll",
        "POST /api/webhook-deliveries/{webhook_id}/replay",
        "POST /api/write-backs/{write_back_id}/replay",
        "POST /api/dead-letters/orders/{topic}/{partition}/{offset}/replay",
        "POST /api/dead-letters/inventory/{topic}/{partition}/{offset}/replay",
        "POST /api/dead-letters/production/{topic}/{partition}/{offset}/replay",
        "POST /api/dead-letters/connectors/{topic}/{partition}/{offset}/replay",
        "POST /api/dead-letters/trace/{topic}/{partition}/{offset}/replay",
        "POST /api/imports/orders",
        "POST /api/manual-orders",
        "POST /api/items",
        "POST /api/lots",
        "POST /api/receipts",
        "POST /api/lots/{lot_code}/cost",
        "POST /api/purchase-orders",
        "POST /api/purchase-orders/{purchase_order_id}/cancel",
        "PUT /api/reorder-points/{item_code}",
        "PUT /api/shelf-life-rules/{scope}/{key}",
        "DELETE /api/shelf-life-rules/{scope}/{key}",
        "POST /api/suggestions/{suggestion_id}/accept",
        "POST /api/suggestions/{suggestion_id}/dismiss",
        "POST /api/orders/{order_id}/cancel",
        "POST /api/orders/{order_id}/release",
        "POST /api/orders/{order_id}/shipments",
        "POST /api/shipments/{shipment_id}/delivered",
        "POST /api/lines",
        "PUT /api/lines/{code}/capacity",
        "PUT /api/lines/{code}/capacity/{on}",
        "POST /api/production-orders/combine",
        "POST /api/production-orders/{production_order_id}/cancel",
        "POST /api/production-orders/{production_order_id}/complete",
        "PATCH /api/production-orders/{production_order_id}/run",
        "POST /api/production-orders/{production_order_id}/replan",
        "POST /api/production-orders/{production_order_id}/split",
        "POST /api/production-orders/{production_order_id}/start",
        "POST /api/recipes",
        "POST /api/trace/recalls",
    ),
)

# What the gateway answers itself (the dashboard's pages add their own RULES).
GATEWAY_RULES: tuple[Rule, ...] = (
    *rules(
        PUBLIC,
        "GET /healthz",
        "GET /readyz",
        "GET /static/{file:path}",
    ),
    *rules(
        Level.READ,
        "GET /openapi.json",
        "GET /metrics",
        "GET /api/me",
        # Everyone signed in may choose their own language.
        "PATCH /api/me",
    ),
    *rules(
        Level.ADMIN,
        "GET /api/users",
        "POST /api/users",
        "PATCH /api/users/{user_id}",
        "GET /api/api-keys",
        "POST /api/api-keys",
        "POST /api/api-keys/{key_id}/revoke",
        "GET /api/audit",
    ),
)


class Policy:
    """Finds the one rule of a request; the most literal template wins a tie."""

    def __init__(self, all_rules: Iterable[Rule]) -> None:
        self.rules: Sequence[Rule] = tuple(all_rules)
        self._by_method: dict[str, list[Rule]] = {}
        for rule in sorted(self.rules, key=lambda r: -r.literal_length):
            self._by_method.setdefault(rule.method, []).append(rule)

    def match(self, method: str, path: str) -> Match | None:
        method = "GET" if method == "HEAD" else method
        for rule in self._by_method.get(method, ()):
            found = rule.pattern.match(path)
            if found:
                return Match(rule, found.groupdict())
        return None

    def has_rule(self, method: str, template: str) -> bool:
        return any(r.method == method and r.template == template for r in self.rules)
