"""A failing readiness check is shown as the kind of failure it is, never as the raised
error's own text (issue 25 §5, the Status page's details)."""

import pytest

from services.gateway.dashboard import i18n
from services.gateway.dashboard.phrases import say
from services.gateway.dashboard.readiness_words import FALLBACK, SENTENCES, shown

REFUSED = (
    "OperationalError: (psycopg.OperationalError) connection failed: connection to server at "
    '"127.0.0.1", port 55512 failed: Connection refused'
)


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        (REFUSED, "refuses the connection"),
        (
            "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5432)",
            "refuses the connection",
        ),
        (
            "KafkaConnectionError: Unable to bootstrap from [('127.0.0.1', 19212, <AF_INET>)]",
            "no Kafka broker answers",
        ),
        (
            'OperationalError: FATAL:  password authentication failed for user "lotline"',
            "refuses our credentials",
        ),
        ("gaierror: [Errno -2] Name or service not known", "cannot find the host"),
        (
            "CannotConnectNowError: the database system is starting up",
            "is starting up or shutting down",
        ),
        (
            'UndefinedTableError: relation "alembic_version_orders" does not exist',
            "is missing a table: are the migrations run?",
        ),
        ("ReadTimeout: timed out", "does not answer in time"),
        ("RuntimeError: /srv/lotline/secret.toml is odd", FALLBACK),
    ],
)
def test_a_raised_error_is_shown_as_its_kind(raw: str, sentence: str) -> None:
    assert shown(raw) == sentence


def test_the_checks_own_sentences_stay_as_they_are() -> None:
    for detail in (
        "answers",
        "1 broker(s)",
        "no answer within 2.5s",
        "NotReady: database at none, scripts at 0003_holds",
        "http://orders.test/readyz answered 503",
    ):
        assert shown(detail) == detail


def test_every_kind_reads_in_italian() -> None:
    italian = i18n.catalogs()["it"]

    assert all(sentence in italian for sentence in SENTENCES)
    assert [say("it", s) for s in SENTENCES] == [italian[s] for s in SENTENCES]
