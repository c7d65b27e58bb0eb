"""The gateway's one OpenAPI document keeps each service's schemas its own."""

from typing import Any

from services.gateway.routes import merge_openapi


def doc(path: str, shortage: dict[str, Any]) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/ShortageOut"}
    return {
        "paths": {
            path: {
                "get": {"responses": {"200": {"content": {"application/json": {"schema": ref}}}}}
            }
        },
        "components": {"schemas": {"ShortageOut": shortage}},
    }


def test_two_services_naming_different_schemas_alike_keep_both():
    orders = doc("/api/orders", {"required": ["line_no", "missing"]})
    production = doc("/api/availability", {"required": ["needed", "available"]})

    merged = merge_openapi({"orders": orders, "production": production}, title="t")

    schemas = merged["components"]["schemas"]
    assert schemas["ShortageOut"] == {"required": ["line_no", "missing"]}
    assert schemas["production.ShortageOut"] == {"required": ["needed", "available"]}
    answer = merged["paths"]["/api/availability"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/production.ShortageOut"
    }


def test_the_same_schema_in_two_services_is_kept_once():
    same = {"required": ["detail"]}

    merged = merge_openapi({"a": doc("/x", same), "b": doc("/y", same)}, title="t")

    assert list(merged["components"]["schemas"]) == ["ShortageOut"]
