"""The services' sentences in the reader's language: a promise's reason and the quote's steps
("material FLOUR-00 (10 days)", "handling (1 day)", "line OVEN-1 down until 2026-11-26") and
a production order's history ("started by an operator", "made 10 kg as lot …").

The services write these in English, built from a small grammar; each ``PHRASES`` entry is
one of its sentences as a pattern. Its English form with ``{placeholders}`` is the catalogue
key (Italian in ``locales/it/phrases.json``); the parts a pattern captures are said again
themselves (a material's ``why`` is a phrase too) and dates in them are written per locale.
A sentence no pattern knows is shown as the service wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from services.gateway.dashboard.i18n import DEFAULT, translate
from services.gateway.dashboard.locale_format import format_date, format_number

_CODE = r"[^\s()]+"
_DATE = r"\d{4}-\d{2}-\d{2}"

# (pattern, catalogue key). The key's placeholders are the pattern's groups.
PHRASES: Final[tuple[tuple[str, str], ...]] = (
    (r"(?P<n>1) day", "{n} day"),
    (r"(?P<n>\d+) days", "{n} days"),
    (rf"purchase order due (?P<date>{_DATE}), late", "purchase order due {date}, late"),
    (rf"purchase order due (?P<date>{_DATE})", "purchase order due {date}"),
    (rf"material (?P<item>{_CODE}) \((?P<why>.+)\)", "material {item} ({why})"),
    (rf"production on (?P<line>{_CODE}) \((?P<days>.+)\)", "production on {line} ({days})"),
    (r"handling \((?P<days>.+)\)", "handling ({days})"),
    (r"carrier transit \((?P<days>.+)\)", "carrier transit ({days})"),
    (rf"line (?P<line>{_CODE}) down until (?P<date>{_DATE})", "line {line} down until {date}"),
    (rf"line (?P<line>{_CODE}) busy until (?P<date>{_DATE})", "line {line} busy until {date}"),
    (r"stock", "stock"),
    (r"started by an operator", "started by an operator"),
    (rf"made (?P<output>.+) as lot (?P<lot>{_CODE})", "made {output} as lot {lot}"),
    (rf"order (?P<order>{_CODE}) cancelled", "order {order} cancelled"),
    (rf"order (?P<order>{_CODE}) reduced on the channel", "order {order} reduced on the channel"),
    (
        rf"parent production order (?P<order>{_CODE}) cancelled",
        "parent production order {order} cancelled",
    ),
    (rf"combined into (?P<order>{_CODE})", "combined into {order}"),
    (rf"no active recipe for (?P<item>{_CODE})", "no active recipe for {item}"),
    (
        rf"cannot plan (?P<item>{_CODE}) with recipe v(?P<version>\d+): (?P<error>.+)",
        "cannot plan {item} with recipe v{version}: {error}",
    ),
    (r"completion rejected by inventory: (?P<why>.+)", "completion rejected by inventory: {why}"),
    # the Status page: readiness checks (shared/observability) and what the gateway could not read
    (r"database", "database"),
    (r"kafka", "kafka"),
    (r"migrations", "migrations"),
    (r"answers", "answers"),
    (r"(?P<n>\d+) broker\(s\)", "{n} broker(s)"),
    (r"at head (?P<revisions>.+)", "at head {revisions}"),
    (r"no answer within (?P<seconds>[\d.]+)s", "no answer within {seconds}s"),
    (rf"(?P<url>{_CODE}) answered (?P<code>\d{{3}})", "{url} answered {code}"),
    (r"NotReady: (?P<why>.+)", "not ready: {why}"),
    (
        r"database at (?P<revisions>.+), scripts at (?P<heads>.+)",
        "database at {revisions}, scripts at {heads}",
    ),
    (r"unreachable", "unreachable"),
    (r"no metrics", "no metrics"),
    (r"no /readyz", "no /readyz"),
    (r"no /metrics \((?P<code>\d{3})\)", "no /metrics ({code})"),
    (r"unreadable metrics \((?P<error>.+)\)", "unreadable metrics ({error})"),
    # a failing readiness check's kind (readiness_words), never the raised error's text
    (r"no Kafka broker answers", "no Kafka broker answers"),
    (r"refuses our credentials", "refuses our credentials"),
    (r"cannot find the host", "cannot find the host"),
    (r"is starting up or shutting down", "is starting up or shutting down"),
    (
        r"is missing a table: are the migrations run\?",
        "is missing a table: are the migrations run?",
    ),
    (r"does not answer in time", "does not answer in time"),
    (r"refuses the connection", "refuses the connection"),
    (r"failed; the process's log has the details", "failed; the process's log has the details"),
    # recalls and traces: what a recall was issued on, a trace's dates and quantities
    (rf"supplier lot (?P<supplier>.+) / (?P<lot>{_CODE})", "supplier lot {supplier} / {lot}"),
    (rf"lot (?P<lot>{_CODE})", "lot {lot}"),
    (r"on hand (?P<amount>.+)", "on hand {amount}"),
    (rf"(?P<date>{_DATE})", "{date}"),
    (r"(?P<number>-?\d+(?:\.\d+)?) (?P<unit>[^\s\d()]+)", "{number} {unit}"),
)

_COMPILED: Final = tuple((re.compile(pattern), key) for pattern, key in PHRASES)
_UNTRANSLATED_PARTS: Final = {
    "item",
    "line",
    "lot",
    "order",
    "version",
    "n",
    "output",
    "error",
    "revisions",
    "heads",
    "url",
    "code",
    "unit",
    "supplier",
}
_NUMBER_PARTS: Final = {"seconds", "number"}


def say(language: str, text: str | None) -> str:
    """``text`` (a service's sentence) in ``language``; unknown sentences unchanged."""
    if not text:
        return text or ""
    for pattern, key in _COMPILED:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts: dict[str, str] = {}
        for name, value in match.groupdict().items():
            if name == "date":
                parts[name] = format_date(value, language)
            elif name in _UNTRANSLATED_PARTS:
                parts[name] = value
            elif name in _NUMBER_PARTS:
                parts[name] = format_number(value, language)
            else:
                parts[name] = say(language, value)
        if language == DEFAULT:
            return key.format(**parts)
        return translate(language, key).format(**parts)
    return text


def sayer(language: str) -> Callable[[str | None], str]:
    return lambda text: say(language, text)
