"""Items as people name them: the picker's suggestions for what was typed, and each typed
line turned into an item code before quoting, so "Butter biscuits" quotes the biscuits.

A typed code stays as it is; a name (or part of a name or code) that points at exactly one
item becomes that item's code; one that points at none or at several is shown back as a
mistake to fix. When the items cannot be searched, the typed text goes on unchanged and the
quote itself says whether it knows the item.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from services.gateway.dashboard.manual_entry import Entry, Problem, Row
from services.gateway.dashboard.upstream import Upstream, UpstreamError

SUGGESTIONS: Final = 8
# What a line that names no single item says (English, the key of its translation).
NO_ITEM: Final = "Line {n}: no item's name or code holds “{text}”."
SEVERAL: Final = "Line {n}: “{text}” fits several items; pick one from the list."


async def suggestions(upstream: Upstream, typed: str) -> list[dict[str, Any]]:
    """Up to eight items whose name or code holds ``typed`` (none for fewer than 2 letters)."""
    text = typed.strip()
    if len(text) < 2:
        return []
    found: list[dict[str, Any]] = await upstream.get(
        "/api/items", params={"q": text, "limit": SUGGESTIONS}
    )
    return found


def chosen(typed: str, found: list[dict[str, Any]]) -> str | None:
    """The one item ``typed`` names among ``found``: its exact code, its exact name, or the
    only match; None when it names none or several."""
    wanted = typed.strip().casefold()
    for field in ("code", "name"):
        exact = [i for i in found if str(i.get(field, "")).casefold() == wanted]
        if len(exact) == 1:
            return str(exact[0]["code"])
    return str(found[0]["code"]) if len(found) == 1 else None


async def resolved(upstream: Upstream, entry: Entry) -> Entry:
    """``entry`` with each line's item as its code, or with what names no single item."""
    rows: list[Row] = []
    problems: list[Problem] = list(entry.problems)
    for number, row in enumerate(entry.rows, start=1):
        if row.empty or not row.item_code:
            rows.append(row)
            continue
        try:
            found = await upstream.get(
                "/api/items", params={"q": row.item_code, "limit": SUGGESTIONS}
            )
        except UpstreamError:
            rows.append(row)  # the quote will say whether it knows the item
            continue
        code = chosen(row.item_code, found)
        if code is None:
            message = SEVERAL if found else NO_ITEM
            problems.append((message, {"n": number, "text": row.item_code}))
        rows.append(replace(row, item_code=code or row.item_code))
    return replace(entry, rows=tuple(rows), problems=tuple(problems))
