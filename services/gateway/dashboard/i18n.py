"""English and Italian: the English text is the key; Italian comes from ``locales/it/*.json``.

One JSON file per page keeps translations beside the screen that uses them. A user's own
choice wins, then the browser's ``Accept-Language``, then English.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

SUPPORTED: tuple[str, ...] = ("en", "it")
DEFAULT = "en"
LOCALES = Path(__file__).parent / "locales"


@lru_cache(maxsize=1)
def catalogs() -> dict[str, dict[str, str]]:
    """Every language's messages, merged from its files (English needs none)."""
    merged: dict[str, dict[str, str]] = {"en": {}}
    for language in SUPPORTED:
        if language == DEFAULT:
            continue
        messages: dict[str, str] = {}
        for path in sorted((LOCALES / language).glob("*.json")):
            messages.update(json.loads(path.read_text(encoding="utf-8")))
        merged[language] = messages
    return merged


def translate(language: str, text: str) -> str:
    """``text`` in ``language``; a missing translation shows the English (a test finds it)."""
    return catalogs().get(language, {}).get(text, text)


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The language to answer in: the user's choice, else the browser's best supported one."""
    if preferred in SUPPORTED:
        return preferred
    best, best_q = DEFAULT, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in SUPPORTED:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:
            best, best_q = primary, q
    return best
