"""One JSON object per line, whoever logged it, with the bound correlation and no secrets."""

from __future__ import annotations

import io
import json
import logging
from uuid import uuid4

from shared.observability import correlation
from shared.observability.logs import json_handler
from shared.observability.redaction import redact_fields, redact_text


def capture(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger(name)
    logger.handlers = [json_handler("orders", stream)]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_stdlib_line_is_one_json_object_with_the_bound_correlation():
    logger, stream = capture("tests.logs.stdlib")
    flow = uuid4()

    with correlation.bound(correlation_id=str(flow), order_id="o-1"):
        logger.info("reserved %s for %s", "3 pc", "o-1")
    logger.info("after the event")

    first, second = lines(stream)
    assert first["message"] == "reserved 3 pc for o-1"
    assert first["correlation_id"] == str(flow) and first["order_id"] == "o-1"
    assert first["level"] == "info" and first["service"] == "orders"
    assert first["logger"] == "tests.logs.stdlib" and "T" in str(first["timestamp"])
    assert "correlation_id" not in second


def test_extra_fields_and_exceptions_are_kept_and_secrets_are_not():
    logger, stream = capture("tests.logs.extra")

    try:
        raise ValueError("bad")
    except ValueError:
        logger.exception(
            "calling postgresql://lotline:hunter2@db/x failed",
            extra={"access_token": "shpat_123", "shop": "demo.myshopify.com"},
        )

    [line] = lines(stream)
    assert "hunter2" not in json.dumps(line) and "shpat_123" not in json.dumps(line)
    assert line["access_token"] == "[redacted]" and line["shop"] == "demo.myshopify.com"
    assert "ValueError: bad" in str(line["exception"])


def test_redaction_of_urls_tokens_and_secret_named_fields():
    assert (
        redact_text("amqp://u:p@h/x and Bearer abc.def")
        == "amqp://u:[redacted]@h/x and Bearer [redacted]"
    )
    assert redact_fields({"webhook_secret": "s", "headers": {"Authorization": "x"}, "n": 1}) == {
        "webhook_secret": "[redacted]",
        "headers": {"Authorization": "[redacted]"},
        "n": 1,
    }
