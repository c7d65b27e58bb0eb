"""The plan per line by day as a grid the template draws: one row per line (its capacity and
load each day) and one row per production order booked on it. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cell:
    on: str
    minutes: int  # booked by this production order (0: none)


@dataclass(frozen=True)
class BookingRow:
    production_order_id: str
    number: str  # MO-00042 (the id's start from a production service before numbers)
    item_code: str
    status: str
    quantity: str
    unit: str
    start_on: str
    end_on: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Day:
    on: str
    working: bool
    holiday: bool
    capacity: int
    booked: int

    @property
    def full(self) -> bool:
        return self.capacity > 0 and self.booked >= self.capacity


@dataclass(frozen=True)
class LineRow:
    code: str
    name: str
    days: tuple[Day, ...]
    bookings: tuple[BookingRow, ...]


def plan_grid(plan: Mapping[str, Any]) -> list[LineRow]:
    """Lines in code order; each line's bookings in the order they start."""
    by_line: dict[str, list[Mapping[str, Any]]] = {}
    for booking in plan.get("bookings", []):
        by_line.setdefault(booking["line_code"], []).append(booking)
    grid = []
    for line in plan.get("lines", []):
        bookings = by_line.get(line["code"], [])
        load: dict[str, int] = {}
        for booking in bookings:
            for on, minutes in booking["minutes_by_day"].items():
                load[on] = load.get(on, 0) + int(minutes)
        days = tuple(
            Day(d["on"], d["working"], d["holiday"], d["minutes"], load.get(d["on"], 0))
            for d in line["days"]
        )
        rows = tuple(
            BookingRow(
                production_order_id=str(b["production_order_id"]),
                number=b.get("number") or str(b["production_order_id"])[:8],
                item_code=b["item_code"],
                status=b["status"],
                quantity=str(b["quantity"]),
                unit=b["unit"],
                start_on=b["start_on"],
                end_on=b["end_on"],
                cells=tuple(Cell(d.on, int(b["minutes_by_day"].get(d.on, 0))) for d in days),
            )
            for b in sorted(bookings, key=lambda b: (b["start_on"], str(b["production_order_id"])))
        )
        grid.append(LineRow(line["code"], line["name"], days, rows))
    return grid
