"""A faithful local fake of the Shopify Admin GraphQL API, for fulfilment write-backs.

Served over real HTTP (``running_fake()``) at ``/admin/api/<version>/graphql.json``, it
checks ``X-Shopify-Access-Token`` like Shopify (401 with Shopify's text otherwise), reads
the GraphQL documents it is sent (operations, variables, nested selections; no fragments),
answers only the fields asked for and refuses unknown ones the way Shopify does, keeps a
leaky bucket of query-cost points and reports it in ``extensions.cost`` on every answer, and
holds orders with fulfillment orders whose remaining quantities ``fulfillmentCreate``
consumes (over-fulfilment answers ``userErrors``). Scripting hooks: ``throttle_next``,
``fail_next``, ``fail_always`` / ``recover``. Every request is recorded.

Shapes follow Shopify's 2025-01 reference (FulfillmentInput, FulfillmentOrderLineItemsInput,
FulfillmentCreatePayload, FulfillmentOrderStatus, FulfillmentStatus) and published answers
(the THROTTLED error, the 401 text). ASSUMED, not documented by Shopify: the text of the
userErrors (taken from answers quoted publicly), the bodies of 429/5xx answers, and the
fake's query cost (a fixed number instead of Shopify's calculation).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakes import serving
from tests.fakes.shopify_inventory import INVENTORY_INPUTS, FakeInventory

UNAUTHORIZED = "[API] Invalid API key or access token (unrecognized login or wrong password)"
INVALID_QUANTITY = "Invalid fulfillment order line item quantity requested."
MUTATION_COST = 10

# ---------------------------------------------------------------------------------------
# A small GraphQL reader: one operation, fields with aliases and arguments, variables.


class GraphQLSyntaxError(ValueError):
    pass


_TOKEN = re.compile(
    r"""(?P<skip>[\s,]+|\#[^\n]*)
      |(?P<spread>\.\.\.)
      |(?P<punct>[!$():=@\[\]{}|])
      |(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      |(?P<string>"(?:\\.|[^"\\])*")
      |(?P<name>[_A-Za-z][_0-9A-Za-z]*)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Enum:
    name: str


@dataclass
class Field:
    name: str
    alias: str | None
    arguments: dict[str, Any]
    selections: list[Field]

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class Operation:
    kind: str
    name: str | None
    variables: dict[str, str]  # name → type, e.g. {"id": "ID!"}
    selections: list[Field]


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise GraphQLSyntaxError(f"Parse error on {source[position]!r} at {position}")
        position = match.end()
        kind = match.lastgroup or ""
        if kind == "spread":
            raise GraphQLSyntaxError("fragments are not supported by the fake")
        if kind != "skip":
            tokens.append((kind, match.group()))
    return tokens


class _Reader:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise GraphQLSyntaxError("Parse error: unexpected end of document")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise GraphQLSyntaxError(f'Parse error on "{token[1]}", expected "{expected}"')
        self.at += 1
        return token

    def name(self) -> str:
        kind, text = self.take()
        if kind != "name":
            raise GraphQLSyntaxError(f'Parse error on "{text}", expected a name')
        return text

    def operation(self) -> Operation:
        kind, name, variables = "query", None, {}
        if self.peek() in ("query", "mutation"):
            kind = self.take()[1]
            if self.peek() not in ("(", "{"):
                name = self.name()
            if self.peek() == "(":
                variables = self.variable_definitions()
        selections = self.selection_set()
        if self.peek() is not None:
            raise GraphQLSyntaxError("only one operation per document is supported by the fake")
        return Operation(kind, name, variables, selections)

    def variable_definitions(self) -> dict[str, str]:
        definitions = {}
        self.take("(")
        while self.peek() != ")":
            self.take("$")
            variable = self.name()
            self.take(":")
            definitions[variable] = self.type_reference()
            if self.peek() == "=":
                self.take("=")
                self.value()
        self.take(")")
        return definitions

    def type_reference(self) -> str:
        if self.peek() == "[":
            self.take("[")
            inner = self.type_reference()
            self.take("]")
            text = f"[{inner}]"
        else:
            text = self.name()
        if self.peek() == "!":
            self.take("!")
            text += "!"
        return text

    def selection_set(self) -> list[Field]:
        self.take("{")
        fields = []
        while self.peek() != "}":
            fields.append(self.field())
        self.take("}")
        return fields

    def field(self) -> Field:
        alias, name = None, self.name()
        if self.peek() == ":":
            self.take(":")
            alias, name = name, self.name()
        arguments = {}
        if self.peek() == "(":
            self.take("(")
            while self.peek() != ")":
                argument = self.name()
                self.take(":")
                arguments[argument] = self.value()
            self.take(")")
        selections = self.selection_set() if self.peek() == "{" else []
        return Field(name, alias, arguments, selections)

    def value(self) -> Any:
        kind, text = self.take()
        if text == "$":
            return Var(self.name())
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
            self.take("]")
            return items
        if text == "{":
            fields = {}
            while self.peek() != "}":
                key = self.name()
                self.take(":")
                fields[key] = self.value()
            self.take("}")
            return fields
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            return json.loads(text)
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, Enum(text))
        raise GraphQLSyntaxError(f'Parse error on "{text}"')


def parse(source: str) -> Operation:
    return _Reader(source).operation()


def resolve(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, Var):
        return variables.get(value.name)
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, list):
        return [resolve(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, variables) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------
# Answers: objects are dicts carrying "__typename"; a connection is resolved with first/last.


class GraphQLError(Exception):
    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.payload: dict[str, Any] = {"message": message}
        if extensions:
            self.payload["extensions"] = extensions


@dataclass
class Connection:
    typename: str
    items: list[dict[str, Any]]

    def page(self, arguments: dict[str, Any]) -> dict[str, Any]:
        first, last = arguments.get("first"), arguments.get("last")
        if first is None and last is None:
            raise GraphQLError(
                "you must provide one of first or last", code="missingRequiredArguments"
            )
        items = self.items[:first] if first is not None else self.items[-int(last or 0) :]
        cursors = [f"cursor-{i}" for i in range(len(items))]
        return {
            "__typename": f"{self.typename}Connection",
            "nodes": items,
            "edges": [
                {"__typename": f"{self.typename}Edge", "node": n, "cursor": c}
                for n, c in zip(items, cursors, strict=True)
            ],
            "pageInfo": {
                "__typename": "PageInfo",
                "hasNextPage": len(items) < len(self.items),
                "hasPreviousPage": False,
                "startCursor": cursors[0] if cursors else None,
                "endCursor": cursors[-1] if cursors else None,
            },
        }


def project(value: Any, selections: list[Field], variables: dict[str, Any], path: list[str]) -> Any:
    """Only the fields asked for, like a GraphQL server; unknown fields are errors."""
    if value is None:
        return None
    if isinstance(value, list):
        return [project(v, selections, variables, path) for v in value]
    typename = value["__typename"]
    out: dict[str, Any] = {}
    for selected in selections:
        where = [*path, selected.key]
        if selected.name == "__typename":
            out[selected.key] = typename
            continue
        if selected.name not in value:
            raise GraphQLError(
                f"Field '{selected.name}' doesn't exist on type '{typename}'",
                code="undefinedField",
                typeName=typename,
                fieldName=selected.name,
            )
        child = value[selected.name]
        arguments = resolve(selected.arguments, variables)
        if isinstance(child, Connection):
            child = child.page(arguments)
        elif isinstance(child, list) and arguments.get("first") is not None:
            child = child[: arguments["first"]]
        is_object = isinstance(child, dict) or (
            isinstance(child, list) and child and isinstance(child[0], dict)
        )
        if is_object and not selected.selections:
            raise GraphQLError(
                f"Field must have selections (field '{selected.name}' returns an object)",
                code="selectionMismatch",
            )
        if selected.selections and child is not None and not is_object and child != []:
            raise GraphQLError(
                f"Selections can't be made on scalars (field '{selected.name}')",
                code="selectionMismatch",
            )
        out[selected.key] = (
            project(child, selected.selections, variables, where) if selected.selections else child
        )
    return out


# ---------------------------------------------------------------------------------------
# The shop's state.


@dataclass
class FakeFulfillmentOrderLine:
    id: int
    line_item_id: str
    sku: str
    total: int
    remaining: int


@dataclass
class FakeFulfillmentOrder:
    id: int
    order_id: str
    status: str
    lines: list[FakeFulfillmentOrderLine]


@dataclass
class FakeFulfillment:
    id: int
    order_id: str
    status: str
    tracking: dict[str, Any] | None
    notify_customer: bool
    lines: list[tuple[int, int]]  # (fulfillment order line item id, quantity)
    message: str | None

    @property
    def gid(self) -> str:
        return f"gid://shopify/Fulfillment/{self.id}"

    @property
    def tracking_number(self) -> str | None:
        return (self.tracking or {}).get("number")


@dataclass
class FakeOrder:
    external_id: str
    lines: list[tuple[str, str, int]]
    fulfillment_orders: list[FakeFulfillmentOrder]
    fulfillments: list[FakeFulfillment] = field(default_factory=list)

    def remaining(self, line_item_id: str) -> int:
        return sum(
            line.remaining
            for fo in self.fulfillment_orders
            for line in fo.lines
            if line.line_item_id == line_item_id
        )


@dataclass(frozen=True)
class RecordedRequest:
    headers: dict[str, str]
    body: bytes
    operation: str | None  # the root field asked for: "order", "fulfillmentCreate", …
    status: int

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def variables(self) -> dict[str, Any]:
        return dict(self.json().get("variables") or {})


@dataclass
class _Scripted:
    kind: str  # "throttle" | "fail"
    operation: str | None
    status: int = 200
    retry_after: float | None = None
    after_applying: bool = False


INPUTS: dict[str, dict[str, str | None]] = {
    # input type → field → input type of the field (None for scalars)
    "FulfillmentInput": {
        "lineItemsByFulfillmentOrder": "FulfillmentOrderLineItemsInput",
        "notifyCustomer": None,
        "trackingInfo": "FulfillmentTrackingInput",
        "originAddress": None,
    },
    "FulfillmentOrderLineItemsInput": {
        "fulfillmentOrderId": None,
        "fulfillmentOrderLineItems": "FulfillmentOrderLineItemInput",
    },
    "FulfillmentOrderLineItemInput": {"id": None, "quantity": None},
    "FulfillmentTrackingInput": {
        "number": None,
        "url": None,
        "company": None,
        "numbers": None,
        "urls": None,
    },
}


INPUTS.update(INVENTORY_INPUTS)


def _check_input(value: Any, type_name: str, where: str) -> None:
    """Refuse input fields the type does not define, as Shopify's variable coercion does."""
    fields = INPUTS.get(type_name)
    if fields is None or value is None:
        return
    for item in value if isinstance(value, list) else [value]:
        if not isinstance(item, dict):
            raise GraphQLError(f"Variable {where} of type {type_name} was provided invalid value")
        for key, child in item.items():
            if key not in fields:
                raise GraphQLError(
                    f"Variable {where} of type {type_name}! was provided invalid value for "
                    f"{key} (Field is not defined on {type_name})",
                    code="INVALID_VARIABLE",
                )
            if fields[key] is not None:
                _check_input(child, str(fields[key]), f"{where}.{key}")


def _tail(gid: Any, kind: str) -> int | None:
    match = re.fullmatch(rf"gid://shopify/{kind}/(\d+)", str(gid or ""))
    return int(match.group(1)) if match else None


class FakeShopifyAdmin:
    """One shop's Admin GraphQL endpoint. ``url`` is set once it is served."""

    def __init__(
        self,
        access_token: str = "shpat_fake_admin_token",
        *,
        maximum_available: float = 2000.0,
        restore_rate: float = 100.0,
        query_cost: int = 13,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.access_token = access_token
        self.maximum_available = maximum_available
        self.restore_rate = restore_rate
        self.query_cost = query_cost
        self.url = ""
        self.orders: dict[str, FakeOrder] = {}
        self.requests: list[RecordedRequest] = []
        self._clock = clock
        self._available = maximum_available
        self._at = clock()
        self._ids = itertools.count(5_100_000_000_001)
        self._scripted: list[_Scripted] = []
        self._always: _Scripted | None = None
        self.inventory = FakeInventory()  # stock push (tests/fakes/shopify_inventory.py)
        self.app = self._build_app()

    # -- scripting ------------------------------------------------------------------------

    def add_order(
        self, external_id: str, lines: list[tuple[str, str, int]], *, split: bool = False
    ) -> FakeOrder:
        """``lines``: (line item id, sku, quantity). ``split``: one fulfillment order per
        line (as for lines stocked at different locations), else one for all."""
        groups = [[line] for line in lines] if split else [lines]
        order = FakeOrder(external_id, list(lines), [])
        for group in groups:
            fo_lines = [
                FakeFulfillmentOrderLine(next(self._ids), str(line_id), sku, qty, qty)
                for line_id, sku, qty in group
            ]
            order.fulfillment_orders.append(
                FakeFulfillmentOrder(next(self._ids), external_id, "OPEN", fo_lines)
            )
        self.orders[str(external_id)] = order
        return order

    def throttle_next(self, n: int = 1, *, operation: str | None = None) -> None:
        """The next ``n`` requests (of ``operation``, else any) are THROTTLED (HTTP 200)."""
        self._scripted += [_Scripted("throttle", operation) for _ in range(n)]

    def fail_next(
        self,
        status: int,
        n: int = 1,
        *,
        operation: str | None = None,
        retry_after: float | None = None,
        after_applying: bool = False,
    ) -> None:
        """The next ``n`` requests answer ``status``. ``after_applying``: the request takes
        effect first and only its answer is lost (a timeout after Shopify committed)."""
        self._scripted += [
            _Scripted("fail", operation, status, retry_after, after_applying) for _ in range(n)
        ]

    def fail_always(self, status: int, *, retry_after: float | None = None) -> None:
        self._always = _Scripted("fail", None, status, retry_after)

    def recover(self) -> None:
        self._always = None
        self._scripted.clear()

    def fulfillments(self, external_id: str) -> list[FakeFulfillment]:
        return list(self.orders[str(external_id)].fulfillments)

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.operation == operation]

    # -- the bucket -----------------------------------------------------------------------

    def _refill(self) -> None:
        now = self._clock()
        self._available = min(
            self.maximum_available, self._available + (now - self._at) * self.restore_rate
        )
        self._at = now

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": self.maximum_available,
                    "currentlyAvailable": round(self._available),
                    "restoreRate": self.restore_rate,
                },
            }
        }

    def _throttled(self, requested: int) -> JSONResponse:
        return JSONResponse(
            {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/rate-limits",
                        },
                    }
                ],
                "extensions": self._cost(requested, None),
            }
        )

    # -- HTTP -----------------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="fake Shopify Admin API")

        @app.post("/admin/api/{version}/graphql.json")
        async def graphql(version: str, request: Request) -> Response:
            body = await request.body()
            response, operation = self._answer(request, body)
            self.requests.append(
                RecordedRequest(dict(request.headers), body, operation, response.status_code)
            )
            return response

        return app

    def _answer(self, request: Request, body: bytes) -> tuple[Response, str | None]:
        if request.headers.get("x-shopify-access-token") != self.access_token:
            return JSONResponse({"errors": UNAUTHORIZED}, status_code=401), None
        try:
            document = json.loads(body)
            query, variables = str(document["query"]), dict(document.get("variables") or {})
        except (ValueError, KeyError, TypeError):
            missing = {"errors": {"query": "Required parameter missing or invalid"}}
            return JSONResponse(missing, status_code=400), None
        try:
            operation = parse(query)
        except GraphQLSyntaxError as error:  # HTTP 200, like every GraphQL-level error
            self._refill()
            answer = {"errors": [{"message": str(error)}], "extensions": self._cost(0, 0)}
            return JSONResponse(answer), None
        root = operation.selections[0].name if operation.selections else None
        if self._always is not None:
            return self._failure(self._always), root
        scripted = next((s for s in self._scripted if s.operation in (None, root)), None)
        if scripted is not None:
            self._scripted.remove(scripted)
        requested = MUTATION_COST if operation.kind == "mutation" else self.query_cost
        self._refill()
        if scripted is not None and scripted.kind == "throttle":
            self._available = 0.0  # the bucket really is empty: the client must wait
            return self._throttled(requested), root
        if scripted is not None and not scripted.after_applying:
            return self._failure(scripted), root
        if self._available < requested:
            return self._throttled(requested), root
        self._available -= requested
        answer = self._execute(operation, variables)
        answer["extensions"] = self._cost(requested, requested)
        if scripted is not None:
            return self._failure(scripted), root
        return JSONResponse(answer), root

    def _failure(self, scripted: _Scripted) -> Response:
        headers = {}
        if scripted.retry_after is not None:
            headers["Retry-After"] = str(scripted.retry_after)
        if scripted.status == 429:
            return JSONResponse(
                {
                    "errors": "Exceeded 2 calls per second for api client. Reduce request rates "
                    "to resume uninterrupted service."
                },
                status_code=429,
                headers=headers,
            )
        if scripted.status >= 500:
            return Response(
                "<!DOCTYPE html><html><head><title>Shopify</title></head><body>"
                f"<h1>{scripted.status} Service Unavailable</h1></body></html>",
                status_code=scripted.status,
                media_type="text/html",
                headers=headers,
            )
        return JSONResponse({"errors": "Not Found"}, status_code=scripted.status, headers=headers)

    # -- GraphQL --------------------------------------------------------------------------

    def _execute(self, operation: Operation, variables: dict[str, Any]) -> dict[str, Any]:
        roots: dict[str, Callable[[dict[str, Any]], Any]] = (
            {
                "fulfillmentCreate": self._fulfillment_create,
                "inventorySetQuantities": self.inventory.set_quantities,
            }
            if operation.kind == "mutation"
            else {"order": self._order, "productVariants": self.inventory.product_variants}
        )
        root_type = "Mutation" if operation.kind == "mutation" else "QueryRoot"
        data: dict[str, Any] = {}
        try:
            for name, type_ in operation.variables.items():
                if type_.endswith("!") and variables.get(name) is None:
                    raise GraphQLError(
                        f"Variable ${name} of type {type_} was provided invalid value",
                        code="INVALID_VARIABLE",
                    )
                _check_input(variables.get(name), type_.rstrip("!"), f"${name}")
            for selected in operation.selections:
                resolver = roots.get(selected.name)
                if resolver is None:
                    raise GraphQLError(
                        f"Field '{selected.name}' doesn't exist on type '{root_type}'",
                        code="undefinedField",
                        typeName=root_type,
                        fieldName=selected.name,
                    )
                value = resolver(resolve(selected.arguments, variables))
                data[selected.key] = project(value, selected.selections, variables, [selected.key])
        except GraphQLError as error:
            return {"errors": [error.payload]}
        return {"data": data}

    def _order_object(self, order: FakeOrder) -> dict[str, Any]:
        def line(fo_line: FakeFulfillmentOrderLine) -> dict[str, Any]:
            return {
                "__typename": "FulfillmentOrderLineItem",
                "id": f"gid://shopify/FulfillmentOrderLineItem/{fo_line.id}",
                "remainingQuantity": fo_line.remaining,
                "totalQuantity": fo_line.total,
                "sku": fo_line.sku,
                "lineItem": {
                    "__typename": "LineItem",
                    "id": f"gid://shopify/LineItem/{fo_line.line_item_id}",
                    "sku": fo_line.sku,
                    "quantity": fo_line.total,
                },
            }

        return {
            "__typename": "Order",
            "id": f"gid://shopify/Order/{order.external_id}",
            "legacyResourceId": order.external_id,
            "fulfillmentOrders": Connection(
                "FulfillmentOrder",
                [
                    {
                        "__typename": "FulfillmentOrder",
                        "id": f"gid://shopify/FulfillmentOrder/{fo.id}",
                        "status": fo.status,
                        "lineItems": Connection(
                            "FulfillmentOrderLineItem", [line(x) for x in fo.lines]
                        ),
                    }
                    for fo in order.fulfillment_orders
                ],
            ),
            "fulfillments": [self._fulfillment_object(f) for f in order.fulfillments],
        }

    def _fulfillment_object(self, fulfillment: FakeFulfillment) -> dict[str, Any]:
        tracking = fulfillment.tracking or {}
        info = (
            [
                {
                    "__typename": "FulfillmentTrackingInfo",
                    "number": tracking.get("number"),
                    "url": tracking.get("url"),
                    "company": tracking.get("company"),
                }
            ]
            if tracking
            else []
        )
        return {
            "__typename": "Fulfillment",
            "id": fulfillment.gid,
            "status": fulfillment.status,
            "trackingInfo": info,
            "totalQuantity": sum(q for _, q in fulfillment.lines),
        }

    def _order(self, arguments: dict[str, Any]) -> dict[str, Any] | None:
        order_id = _tail(arguments.get("id"), "Order")
        if order_id is None:
            raise GraphQLError(
                f"Invalid global id '{arguments.get('id')}'", code="argumentLiteralsIncompatible"
            )
        order = self.orders.get(str(order_id))
        return None if order is None else self._order_object(order)

    def _payload(
        self, fulfillment: FakeFulfillment | None, errors: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            "__typename": "FulfillmentCreatePayload",
            "fulfillment": None if fulfillment is None else self._fulfillment_object(fulfillment),
            "userErrors": [{"__typename": "UserError", **e} for e in errors],
        }

    def _fulfillment_create(self, arguments: dict[str, Any]) -> dict[str, Any]:
        data = arguments.get("fulfillment") or {}
        groups = data.get("lineItemsByFulfillmentOrder") or []
        taken, problem = self._take(groups)
        if problem is not None:
            return self._payload(None, [{"field": ["fulfillment"], "message": problem}])
        order_ids = {fo.order_id for fo, _ in taken}
        if len(order_ids) != 1:
            return self._payload(
                None,
                [
                    {
                        "field": ["fulfillment"],
                        "message": "All fulfillment orders must belong to the same order.",
                    }
                ],
            )
        for fo_line, quantity in ((line, q) for _, items in taken for line, q in items):
            fo_line.remaining -= quantity
        for fo, _ in taken:
            fo.status = "CLOSED" if all(x.remaining == 0 for x in fo.lines) else "IN_PROGRESS"
        tracking = data.get("trackingInfo")
        fulfillment = FakeFulfillment(
            id=next(self._ids),
            order_id=order_ids.pop(),
            status="SUCCESS",
            tracking=dict(tracking) if tracking else None,
            notify_customer=bool(data.get("notifyCustomer", False)),
            lines=[(line.id, q) for _, items in taken for line, q in items],
            message=arguments.get("message"),
        )
        self.orders[fulfillment.order_id].fulfillments.append(fulfillment)
        return self._payload(fulfillment, [])

    def _take(
        self, groups: list[dict[str, Any]]
    ) -> tuple[
        list[tuple[FakeFulfillmentOrder, list[tuple[FakeFulfillmentOrderLine, int]]]], str | None
    ]:
        """What each group asks of its fulfillment order, or Shopify's refusal."""
        by_id = {fo.id: fo for order in self.orders.values() for fo in order.fulfillment_orders}
        taken = []
        if not groups:
            return [], "Line items by fulfillment order can't be blank."
        for group in groups:
            fo = by_id.get(_tail(group.get("fulfillmentOrderId"), "FulfillmentOrder") or -1)
            if fo is None:
                return [], "Fulfillment order does not exist."
            if fo.status in ("CLOSED", "CANCELLED"):
                return (
                    [],
                    f"Fulfillment order {fo.id} has an unfulfillable status= {fo.status.lower()}.",
                )
            asked = group.get("fulfillmentOrderLineItems")
            if not asked:  # blank: every remaining line item of the fulfillment order
                items = [(line, line.remaining) for line in fo.lines if line.remaining > 0]
                if not items:
                    return [], "Fulfillment order has no remaining line items to fulfill."
                taken.append((fo, items))
                continue
            lines = {line.id: line for line in fo.lines}
            items = []
            asked_of: dict[int, int] = {}
            for item in asked:
                line = lines.get(_tail(item.get("id"), "FulfillmentOrderLineItem") or -1)
                if line is None:
                    return [], "Fulfillment order line item does not exist."
                quantity = item.get("quantity")
                if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
                    return [], INVALID_QUANTITY
                asked_of[line.id] = asked_of.get(line.id, 0) + quantity
                if asked_of[line.id] > line.remaining:
                    return [], INVALID_QUANTITY
                items.append((line, quantity))
            taken.append((fo, items))
        return taken, None


@asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[FakeShopifyAdmin]:
    """A ``FakeShopifyAdmin`` served on a free loopback port for the duration of the block;
    ``fake.url`` is its GraphQL endpoint (``…/admin/api/2025-01/graphql.json``)."""
    fake = FakeShopifyAdmin(**options)
    async with serving(fake.app) as base_url:
        fake.url = f"{base_url}/admin/api/2025-01/graphql.json"
        yield fake
