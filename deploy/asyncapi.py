"""Write each service's AsyncAPI document to ``docs/asyncapi/<service>.json``.

    .venv/bin/python deploy/asyncapi.py                 # every service
    .venv/bin/python deploy/asyncapi.py orders          # one or more by name
    .venv/bin/python deploy/asyncapi.py --check         # exit 1 if a committed file is stale
    .venv/bin/python deploy/asyncapi.py --from-env      # Kafka address, prefix from LOTLINE_*

Nothing is connected: each service's own composition root (``services.<name>.main.create_app``)
builds its ``ServiceRuntime`` (SQLAlchemy engine, FastStream broker and subscribers, outbox
relay), and constructing those opens no connection; the broker is only started by the FastAPI
lifespan, which never runs here. The broker is wrapped in ``FastStream(broker,
specification=AsyncAPI(...))`` and FastStream 0.7 renders the document (AsyncAPI 3.0.0).

FastStream sees only what is declared to it: the subscribers. Lotline publishes through the
transactional outbox (``shared.outbox.OutboxRelay`` calls ``broker.publish``) and dead-letters
with ``broker.publish`` too, so no FastStream publisher exists and the document has no "send"
operations. The subscriber's handler takes the raw records (``shared.messaging.raw_records``), so
FastStream would give the payload an empty schema of its own. This script therefore adds, from the
code's own contracts (and drops that empty schema):

* the ``Envelope`` schema as every message's payload, and the envelope headers;
* the payload schema of every event that travels on the subscribed topics or that the service
  publishes (``shared.contracts`` registry; an event's ``TYPE`` prefix names its producer);
* a description (document and messages) naming those event types, their versions and topics;
* each topic's retention (``shared.contracts.topics.retention_ms``, set by ``ensure_topics``):
  in a channel's Kafka binding as ``topicConfiguration["retention.ms"]`` and in the
  descriptions, with its dead-letter topic's;
* each topic's partition key rule (``shared.contracts.keys.RULES``): in the descriptions, in
  each message's Kafka binding as ``key``, and each event's key beside its type; the
  channel's Kafka binding gives the partitions ``ensure_topics`` creates it with.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from faststream import FastStream  # noqa: E402
from faststream.specification import AsyncAPI  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from pydantic.json_schema import models_json_schema  # noqa: E402

from shared.contracts import Envelope, event_classes, keys, topics  # noqa: E402
from shared.contracts.base import Event  # noqa: E402
from shared.settings import KafkaSettings, PostgresSettings, Settings  # noqa: E402

SERVICES = ("orders", "inventory", "production", "connectors", "trace")
OUT_DIR = ROOT / "docs" / "asyncapi"
VERSION = "0.1.0"
REF = "#/components/schemas/{model}"

ENVELOPE_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": (
        "Kafka headers set by the outbox relay (Envelope.headers()); FastStream adds "
        "correlation_id (the envelope's correlation_id, else its event_id) and an empty "
        "content-type (the relay publishes the envelope's JSON as raw bytes). "
        "Dead-lettered copies also carry x-dlq-reason, x-original-topic, "
        "x-original-partition and x-original-offset."
    ),
    "properties": {
        "event_id": {"type": "string", "format": "uuid"},
        "event_type": {"type": "string"},
        "event_version": {"type": "string", "description": "integer, as text"},
        "correlation_id": {"type": "string"},
    },
    "required": ["event_id", "event_type", "event_version"],
}


def settings_for_docs(*, from_env: bool) -> Settings:
    """The code's defaults (stable documents), or the deployment's environment."""
    if from_env:
        return Settings()
    return Settings(kafka=KafkaSettings(), pg=PostgresSettings())


def service_broker(service: str, settings: Settings) -> Any:
    """The service's broker with its subscribers, exactly as its composition root wires it."""
    main = importlib.import_module(f"services.{service}.main")
    app = main.create_app(settings)
    return app.state.runtime.broker


def _events_on(topic: str) -> list[type[Event]]:
    return sorted(
        (cls for cls in event_classes().values() if topic == cls.TOPIC), key=lambda c: c.TYPE
    )


def _published_by(service: str) -> list[type[Event]]:
    return sorted(
        (cls for cls in event_classes().values() if cls.TYPE.split(".", 1)[0] == service),
        key=lambda c: c.TYPE,
    )


def _event_line(cls: type[Event], settings: Settings) -> str:
    return (
        f"`{cls.TYPE}` v{cls.VERSION} on `{settings.kafka.topic(cls.TOPIC)}` "
        f"(payload: `{cls.__name__}`; key: the {cls.AGGREGATE.name}'s)"
    )


def _key_line(topic: str, settings: Settings) -> str:
    """A topic's partition key rule and partition count, in words."""
    logical = topic.removeprefix(settings.kafka.topic_prefix)
    return (
        f"`{topic}` ({settings.kafka.partitions} partitions) is keyed by "
        f"{keys.describe(logical)}: one aggregate's events stay in order on one partition."
    )


def _retention_line(topic: str) -> str:
    """A topic's retention and its dead-letter topic's, in words."""
    dlq = topics.dead_letter(topic)
    return (
        f"Kafka keeps `{topic}` {topics.describe_retention(topics.retention_ms(topic))} "
        f"and `{dlq}` {topics.describe_retention(topics.retention_ms(dlq))}."
    )


def _description(service: str, subscribed: list[str], settings: Settings) -> str:
    published = _published_by(service)
    lines = [
        f"Lotline {service} service. Every message is a JSON `Envelope` whose `payload` is the "
        "event named by `event_type` / `event_version`; the message key is the event's "
        "aggregate key.",
        "",
        "Consumes (receive operations below): "
        + (", ".join(f"`{t}`" for t in subscribed) if subscribed else "nothing")
        + ".",
        "",
        "Publishes through the transactional outbox (not declared as FastStream publishers, "
        "so not listed as operations):",
    ]
    lines += [f"- {_event_line(cls, settings)}" for cls in published] or ["- nothing"]
    own = sorted({settings.kafka.topic(cls.TOPIC) for cls in published})
    if own:
        lines += ["", "Retention (set when the topics are created, re-applied at start):"]
        lines += [f"- {_retention_line(topic)}" for topic in own]
        lines += ["", "Partition keys (shared/contracts/keys.py):"]
        lines += [f"- {_key_line(topic, settings)}" for topic in own]
    if subscribed:
        lines += [
            "",
            "Poison messages of a consumed topic are copied to `<topic>.dlq` "
            "(also not declared as a publisher).",
        ]
    return "\n".join(lines)


def enrich(doc: dict[str, Any], service: str, settings: Settings) -> dict[str, Any]:
    """Replace FastStream's EmptyPayload by the envelope, add event schemas and descriptions."""
    logical = {settings.kafka.topic(name): name for name in topics.ALL}
    # FastStream's channel order follows the subscribers' hashes, which vary between
    # processes: sort, so the committed documents are reproducible.
    for section in (doc, doc.get("components", {})):
        for name in ("channels", "operations", "messages"):
            if name in section:
                section[name] = dict(sorted(section[name].items()))
    subscribed = sorted({ch["address"] for ch in doc.get("channels", {}).values()})
    relevant = {
        cls for address in subscribed if address in logical for cls in _events_on(logical[address])
    } | set(_published_by(service))
    models: list[tuple[type[BaseModel], Literal["serialization"]]] = [
        (Envelope, "serialization"),
        *((cls, "serialization") for cls in sorted(relevant, key=lambda c: c.TYPE)),
    ]
    _, top = models_json_schema(models, ref_template=REF)

    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("EmptyPayload", None)
    schemas.update(dict(sorted(top.get("$defs", {}).items())))

    addresses = {name: ch["address"] for name, ch in doc.get("channels", {}).items()}
    for name, message in components.get("messages", {}).items():
        address = next((a for c, a in addresses.items() if name.startswith(f"{c}:")), None)
        if address in logical:
            rule = keys.describe(logical[address])
            key = {"type": "string", "description": f"the envelope's key: {rule}"}
            message.setdefault("bindings", {}).setdefault("kafka", {})["key"] = key
        derived = message.get("payload", {}).get("$ref", "")  # FastStream's, from the handler
        if derived.startswith("#/components/schemas/"):
            schemas.pop(derived.rsplit("/", 1)[1], None)
        message["payload"] = {"$ref": REF.format(model="Envelope")}
        message["headers"] = ENVELOPE_HEADERS
        message["contentType"] = "application/json"
    for channel in doc.get("channels", {}).values():
        carried = _events_on(logical.get(channel["address"], ""))
        text = "Envelope JSON carrying: " + (
            "; ".join(_event_line(cls, settings) for cls in carried) or "no known event type"
        )
        text += ". Event types this service does not handle are skipped (offset committed). "
        text += _retention_line(channel["address"])
        if channel["address"] in logical:
            text += " " + _key_line(channel["address"], settings)
        channel["description"] = text
        kafka = channel.setdefault("bindings", {}).setdefault("kafka", {})
        kafka["partitions"] = settings.kafka.partitions
        kafka["topicConfiguration"] = {"retention.ms": topics.retention_ms(channel["address"])}
    doc["info"]["description"] = _description(service, subscribed, settings)
    return doc


def document(service: str, settings: Settings) -> dict[str, Any]:
    broker = service_broker(service, settings)
    app = FastStream(
        broker,
        specification=AsyncAPI(
            title=f"Lotline {service}",
            version=VERSION,
            description=f"Lotline {service} service",
        ),
    )
    raw = app.schema.to_specification().to_jsonable()
    return enrich(raw, service, settings)


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("services", nargs="*", help=f"some of {', '.join(SERVICES)} (default: all)")
    parser.add_argument("--check", action="store_true", help="fail if a written file is stale")
    parser.add_argument("--from-env", action="store_true", help="use LOTLINE_* Kafka settings")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)

    unknown = sorted(set(args.services) - set(SERVICES))
    if unknown:
        parser.error(f"unknown service(s): {', '.join(unknown)}; choose from {', '.join(SERVICES)}")
    settings = settings_for_docs(from_env=args.from_env)
    stale = []
    for service in args.services or SERVICES:
        text = render(document(service, settings))
        path = args.out / f"{service}.json"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if stale:
        print("stale AsyncAPI documents (run deploy/asyncapi.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
