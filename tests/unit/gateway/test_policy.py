"""The rule table: the right rule for a concrete path, and nothing for an unknown one."""

from services.gateway.access.policy import (
    GATEWAY_RULES,
    PUBLIC,
    SERVICE_RULES,
    Policy,
    Rule,
)
from services.gateway.access.principal import Level

POLICY = Policy((*SERVICE_RULES, *GATEWAY_RULES))


def test_a_concrete_path_finds_its_template_and_parameters():
    found = POLICY.match("POST", "/api/orders/3f2a/cancel")

    assert found is not None
    assert found.rule.template == "/api/orders/{order_id}/cancel"
    assert found.rule.need is Level.WRITE
    assert found.params == {"order_id": "3f2a"}


def test_the_most_literal_template_wins():
    policy = Policy((Rule("GET", "/x/{id}", Level.READ), Rule("GET", "/x/new", Level.ADMIN)))

    assert policy.match("GET", "/x/new").rule.need is Level.ADMIN  # type: ignore[union-attr]
    assert policy.match("GET", "/x/42").rule.need is Level.READ  # type: ignore[union-attr]


def test_a_parameter_does_not_swallow_a_slash_unless_it_is_a_path():
    assert POLICY.match("GET", "/api/orders/a/b") is None
    static = POLICY.match("GET", "/static/css/lotline.css")
    assert static is not None and static.rule.need == PUBLIC


def test_unknown_paths_and_methods_have_no_rule():
    assert POLICY.match("GET", "/api/secret-admin-panel") is None
    assert POLICY.match("DELETE", "/api/orders/1") is None


def test_head_is_read_like_get():
    found = POLICY.match("HEAD", "/api/stock")
    assert found is not None and found.rule.need is Level.READ


def test_only_webhooks_and_health_are_public_among_the_api_rules():
    public = {(r.method, r.template) for r in (*SERVICE_RULES, *GATEWAY_RULES) if r.need == PUBLIC}

    assert public == {
        ("POST", "/webhooks/shopify"),
        ("POST", "/webhooks/etsy"),
        ("POST", "/webhooks/woocommerce/{shop}"),
        ("POST", "/webhooks/sendcloud"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/static/{file:path}"),
    }


def test_shop_secrets_need_an_admin():
    for method, path in (("POST", "/api/shops"), ("PATCH", "/api/shops/my.myshopify.com")):
        found = POLICY.match(method, path)
        assert found is not None and found.rule.need is Level.ADMIN
