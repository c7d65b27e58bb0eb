"""The shelf-life CLI's own rules: a rule asks for something, and a customer's name or
e-mail is quoted into the path."""

from __future__ import annotations

import pytest
import typer

from services.cli.commands.shelf_life import Scope, rule_body, rule_path


def test_a_rule_asks_for_days_a_fraction_or_both_never_nothing():
    assert rule_body(30, None) == {"min_days": 30, "min_fraction": None}
    assert rule_body(None, "2/3") == {"min_days": None, "min_fraction": "2/3"}
    with pytest.raises(typer.BadParameter):
        rule_body(None, None)


def test_a_customer_name_with_spaces_and_symbols_is_quoted_into_the_path():
    assert rule_path(Scope.CUSTOMER, "Rossi & Figli?") == (
        "/api/shelf-life-rules/customer/Rossi%20%26%20Figli%3F"
    )
    assert rule_path(Scope.CHANNEL, "shopify") == "/api/shelf-life-rules/channel/shopify"
