"""A plain decimal numeral written the way a language writes numbers: Italian puts dots
between thousands and a decimal comma (``1234.5`` → ``1.234,5``); English is left as it is.
Pure; shared by the dashboard's formatting and the orders service's documents and e-mails
(babel is not a dependency)."""

from __future__ import annotations


def in_language(text: str, language: str) -> str:
    """``text``: a plain numeral (``-1234.5``, no exponent), as ``format(d, "f")`` gives."""
    if language != "it":
        return text
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    grouped = ".".join([whole, *groups])
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"
