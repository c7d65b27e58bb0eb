"""The trace CLI's own rules: one recall origin, and the one-line headline."""

from __future__ import annotations

import pytest
import typer

from services.cli.commands.trace import recall_body
from services.cli.render_trace import headline


def test_a_recall_names_our_lot_or_a_supplier_lot_never_both():
    assert recall_body("FLOUR-R1", None, None, "x") == {"lot_code": "FLOUR-R1", "reason": "x"}
    assert recall_body(None, "Mulino", "MR-1", "x") == {
        "supplier": "Mulino",
        "supplier_lot_code": "MR-1",
        "reason": "x",
    }
    for lot, supplier, supplier_lot in (
        ("FLOUR-R1", "Mulino", "MR-1"),
        (None, None, None),
        (None, "Mulino", None),
    ):
        with pytest.raises(typer.BadParameter):
            recall_body(lot, supplier, supplier_lot, "x")


def test_the_headline_counts_what_the_trace_reached():
    trace = {
        "direction": "forward",
        "start": "supplier_lot:Mulino Rossi\x1fMR-1",
        "lots": [{}, {}],
        "production_orders": [{}],
        "shipments": [],
        "customers": [{}],
        "suppliers": [],
    }

    assert headline(trace) == (
        "forward from supplier lot Mulino Rossi / MR-1: 2 lots, 1 production order, 1 customer"
    )
