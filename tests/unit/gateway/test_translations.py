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


ORDERS_WORDS = Path(i18n.__file__).parents[2] / "orders" / "promises" / "exceptions.py"
WORDS = re.compile(r"""Words\(\s*"\w+",\s*"(?P<text>[^"]+)\"""")


def test_every_exception_reason_and_action_of_the_orders_service_has_its_italian():
    """The Today page translates the orders service's exception words by their English
    ``message``; a new sentence there without its Italian would show in English."""
    messages = {m["text"] for m in WORDS.finditer(ORDERS_WORDS.read_text(encoding="utf-8"))}
    italian = i18n.catalogs()["it"]

    assert len(messages) > 20
    assert sorted(m for m in messages if m not in italian) == []


# --- the services' sentences, dates, numbers and money (issue 25 §5) ---------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_service_sentence_the_dashboard_knows_has_its_italian_with_the_same_parts():
    from services.gateway.dashboard.phrases import PHRASES

    italian = i18n.catalogs()["it"]
    keys = [key for _, key in PHRASES]

    assert sorted(k for k in keys if k not in italian) == []
    for pattern, key in PHRASES:
        assert set(PLACEHOLDER.findall(key)) == set(re.compile(pattern).groupindex), key
        assert set(PLACEHOLDER.findall(italian[key])) == set(PLACEHOLDER.findall(key)), key


def test_a_quote_is_read_to_an_italian_customer_in_italian():
    from services.gateway.dashboard.phrases import say

    assert say("it", "material FLOUR-00 (10 days)") == "materiale FLOUR-00 (10 giorni)"
    assert say("it", "material FLOUR-00 (purchase order due 2026-12-01)") == (
        "materiale FLOUR-00 (ordine d'acquisto atteso il 01/12/2026)"
    )
    assert say("it", "material FLOUR-00 (purchase order due 2026-11-20, late)") == (
        "materiale FLOUR-00 (ordine d'acquisto atteso il 20/11/2026, in ritardo)"
    )
    assert say("it", "production on OVEN-1 (1 day)") == "produzione sulla linea OVEN-1 (1 giorno)"
    assert say("it", "handling (1 day)") == "preparazione (1 giorno)"
    assert say("it", "carrier transit (2 days)") == "trasporto del corriere (2 giorni)"
    assert say("it", "line OVEN-1 down until 2026-11-26") == "linea OVEN-1 ferma fino al 26/11/2026"
    assert say("it", "made 10 kg as lot BISCUIT-DOUGH-P261125-6aa33b") == (
        "prodotti 10 kg come lotto BISCUIT-DOUGH-P261125-6aa33b"
    )
    # English stays as the service wrote it; a sentence no pattern knows is shown as written
    assert say("en", "material FLOUR-00 (10 days)") == "material FLOUR-00 (10 days)"
    assert say("it", "lab retest: negative") == "lab retest: negative"


def test_dates_numbers_and_money_are_written_the_readers_way():
    from services.gateway.dashboard.locale_format import format_date, format_money, format_number

    assert format_date("2026-12-10", "it") == "10/12/2026"
    assert format_date("2026-12-10T14:05:09+00:00", "it") == "10/12/2026 14:05"
    assert format_date("2026-12-10", "en") == "2026-12-10"
    assert format_date(None, "it") == "—"
    assert format_number("1234.500", "it") == "1.234,5"
    assert format_number("12.500", "en") == "12.5"
    assert format_number("-0.25", "it") == "-0,25"
    assert format_number("1000000", "it") == "1.000.000"
    assert format_money("42.5", "eur", "it") == "42,50 €"
    assert format_money("42.5", "EUR", "en") == "42.50 EUR"


def english_left_in(html: str) -> list[str]:
    """The catalogue's English sentences (two words or more, Italian different) still shown
    in a page rendered in Italian: what a reader would find untranslated."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", text)
    text = re.sub(r"[ \t]+", " ", text)
    found = []
    for english, italian in i18n.catalogs()["it"].items():
        plain = PLACEHOLDER.split(english)[0].strip() if "{" in english else english
        if plain == italian or len(plain.split()) < 2 or plain in italian:
            continue
        if re.search(rf"(?<![\w]){re.escape(plain)}(?![\w])", text):
            found.append(plain)
    return sorted(found)


def test_english_left_in_finds_an_untranslated_sentence():
    assert english_left_in("<p>Ordine n. 4</p><p>Set by: x</p>") == ["Set by", "Set by:"]
    assert english_left_in("<p>Dipende da: x</p>") == []
