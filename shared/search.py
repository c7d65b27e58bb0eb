"""What people type to find things: an order number, part of a customer's name, the start
of a lot code — matched case-insensitively, with the user's text taken literally (a ``%``
or ``_`` typed is looked for, not a wildcard)."""

from __future__ import annotations

import sqlalchemy as sa

ESCAPE = "\\"


def literal(text: str) -> str:
    """``text`` with LIKE's wildcards and the escape character escaped."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def starts_with(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    return column.ilike(literal(text.strip()) + "%", escape=ESCAPE)


def contains(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    return column.ilike("%" + literal(text.strip()) + "%", escape=ESCAPE)
