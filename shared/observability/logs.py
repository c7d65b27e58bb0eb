"""Every log line of a process as one JSON object: timestamp, level, service, logger,
message, plus what the event or request in hand bound (its correlation id, the order id).

The services keep their ``logging.getLogger`` calls: stdlib records (theirs, uvicorn's,
aiokafka's) pass through the same structlog processors as structlog's own, so one
``grep <correlation id>`` over all the services' logs follows one order.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from shared.observability.redaction import redact_fields

# Libraries that attach handlers of their own; their records go to the root logger instead.
OWN_HANDLERS = ("faststream", "faststream.access.kafka", "uvicorn", "uvicorn.error")


def _service_adder(service: str) -> Processor:
    def add_service(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        return event

    return add_service


FIRST_KEYS = ("timestamp", "level", "service", "logger", "message", "correlation_id", "order_id")


def _first_keys_first(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    """The same fields in a reading order: when, how bad, who, what, which flow."""
    ordered = {key: event[key] for key in FIRST_KEYS if key in event}
    ordered.update((key, value) for key, value in event.items() if key not in ordered)
    return ordered


def _redact(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    return redact_fields(event)


def _pre_chain(service: str) -> list[Processor]:
    """What both structlog's and stdlib's records go through before rendering."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        structlog.stdlib.add_log_level,
        _service_adder(service),
        structlog.stdlib.add_logger_name,
    ]


def json_formatter(service: str) -> logging.Formatter:
    """A stdlib formatter rendering any record (stdlib or structlog) as one JSON line."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_pre_chain(service), structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            _redact,
            _first_keys_first,
            structlog.processors.JSONRenderer(default=str),
        ],
    )


def json_handler(service: str, stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter(service))
    return handler


def configure_logging(service: str, level: str = "INFO", *, stream: TextIO | None = None) -> None:
    """Route structlog and the root stdlib logger to one JSON handler (the process entry
    point calls this once, before uvicorn starts)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_pre_chain(service),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(json_handler(service, stream))
    root.setLevel(level.upper())
    for name in OWN_HANDLERS:
        library = logging.getLogger(name)
        for existing in list(library.handlers):
            library.removeHandler(existing)
        library.propagate = True
    logging.captureWarnings(True)
