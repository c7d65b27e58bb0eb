"""Every text the dashboard shows in English has its Italian (a page half in English fails)."""

import re
from pathlib import Path

from services.gateway.dashboard import i18n

DASHBOARD = Path(i18n.__file__).parent
LITERAL = re.compile(r"""(?<![\w.])_\(\s*(?P<q>["'])(?P<text>.+?)(?<!\\)(?P=q)\s*[,)]""")
TRANSLATE = re.compile(r"""translate\(\s*\w+,\s*(?P<q>["'])(?P<text>.+?)(?P=q)\s*\)""")


def shown_texts() -> set[str]:
    texts: set[str] = set()
    for path in [*DASHBOARD.rglob("*.html"), *DASHBOARD.rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        texts |= {m["text"] for m in LITERAL.finditer(source)}
        texts |= {m["text"] for m in TRANSLATE.finditer(source)}
    return texts


def test_every_shown_text_has_an_italian_translation():
    italian = i18n.catalogs()["it"]

    missing = sorted(text for text in shown_texts() if text not in italian)

    assert len(shown_texts()) > 40
    assert missing == []


def test_no_translation_is_left_empty():
    assert [k for k, v in i18n.catalogs()["it"].items() if not v.strip()] == []


ORDERS_WORDS = Path(i18n.__file__).parents[2] / "orders" / "exceptions.py"
WORDS = re.compile(r"""Words\(\s*"\w+",\s*"(?P<text>[^"]+)\"""")


def test_every_exception_reason_and_action_of_the_orders_service_has_its_italian():
    """The Today page translates the orders service's exception words by their English
    ``message``; a new sentence there without its Italian would show in English."""
    messages = {m["text"] for m in WORDS.finditer(ORDERS_WORDS.read_text(encoding="utf-8"))}
    italian = i18n.catalogs()["it"]

    assert len(messages) > 20
    assert sorted(m for m in messages if m not in italian) == []
