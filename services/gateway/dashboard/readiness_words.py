"""A failing readiness check as a person reads it on the Status page: a short sentence of
what kind of failure it is, never the exception's own text (a driver's message can hold a
host, a port, a path or a query, and says little to a shift lead). The raw text stays in
the gateway's log, where whoever fixes it looks. Pure.

The checks' own sentences ("no answer within 2.5s", "NotReady: database at …") are kept:
they were written for people and the phrase catalogue translates them.
"""

from __future__ import annotations

import re
from typing import Final

# ``_describe`` in shared/observability/health.py writes a raised error as "Type: text".
RAISED: Final = re.compile(r"^(?P<type>[A-Za-z_][\w.]*): (?P<text>.*)$", re.S)
OWN_WORDS: Final = ("NotReady",)  # written for people, said through the phrase catalogue
FALLBACK: Final = "failed; the process's log has the details"
# (what the type or text holds, lower case) → the sentence shown; the first that fits wins.
KINDS: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (("kafkaconnectionerror", "nobrokersavailable", "broker"), "no Kafka broker answers"),
    (("password authentication", "invalidpassword", "authentication"), "refuses our credentials"),
    (("name or service not known", "gaierror", "nodename nor servname"), "cannot find the host"),
    (("starting up", "shutting down", "cannotconnectnow"), "is starting up or shutting down"),
    (("undefinedtable", "does not exist"), "is missing a table: are the migrations run?"),
    (("timeout", "timed out"), "does not answer in time"),
    (("refused", "connecterror", "connect call failed", "connection"), "refuses the connection"),
)
SENTENCES: Final = (*(sentence for _, sentence in KINDS), FALLBACK)


def shown(detail: str) -> str:
    """What the Status page shows for a check's ``detail``: its own sentence, or the kind
    of the error it reports."""
    raised = RAISED.match(detail)
    if raised is None or raised["type"] in OWN_WORDS:
        return detail
    said = f"{raised['type']} {raised['text']}".casefold()
    for marks, sentence in KINDS:
        if any(mark in said for mark in marks):
            return sentence
    return FALLBACK
