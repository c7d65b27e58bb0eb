"""Customer e-mails from Jinja2 templates: ``templates/<locale>/<kind>.{subject.txt,txt,html}.j2``.

HTML templates are autoescaped (a customer's name is data, never markup); every template
fails on an undefined name rather than printing nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.orders.notifications.kinds import InvalidNotification, spec_of
from services.orders.notifications.locales import (
    SUPPORTED,
    choose_locale,
    long_date,
    reason_text,
)

__all__ = ["RenderedMail", "choose_locale", "render"]

TEMPLATES = Path(__file__).parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _safe_url(value: Any) -> str | None:
    """Only web links become links: a ``javascript:`` URL from a carrier is dropped."""
    if not isinstance(value, str):
        return None
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def template_values(kind: str, locale: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The context as the templates read it: every field present, dates and reasons in
    the customer's language, links checked."""
    spec = spec_of(kind)
    if locale not in SUPPORTED:
        raise InvalidNotification(f"no templates for locale {locale!r}")
    spec.check(context)
    values: dict[str, Any] = dict.fromkeys(spec.fields)
    values.update(context)
    for name in spec.dates:
        if values[name] not in (None, ""):
            values[name] = long_date(values[name], locale)
    if "reason" in values:
        values["reason"] = reason_text(values["reason"], locale)
    if "tracking_url" in values:
        values["tracking_url"] = _safe_url(values["tracking_url"])
    values["locale"] = locale
    return values


def render(kind: str, locale: str, context: Mapping[str, Any]) -> RenderedMail:
    """Subject, plain text and HTML of one notification in one language."""
    values = template_values(kind, locale, context)
    subject = _env.get_template(f"{locale}/{kind}.subject.txt.j2").render(values)
    subject = " ".join(subject.split())  # one header line, whatever the template or data
    text = _env.get_template(f"{locale}/{kind}.txt.j2").render(values)
    html = _env.get_template(f"{locale}/{kind}.html.j2").render({**values, "subject": subject})
    return RenderedMail(subject=subject, text=text.strip() + "\n", html=html)
