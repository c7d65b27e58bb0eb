"""Every published event version has a golden message, and every golden message still
parses to the current class: deploying a consumer never breaks on what producers sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared import contracts
from shared.contracts.envelope import Envelope

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "contracts" / "samples"
FILES = sorted(SAMPLES.glob("*.v*.json"))


def test_every_event_type_at_its_current_version_has_a_sample():
    names = {path.name for path in FILES}

    expected = {
        f"{cls.TYPE}.v{cls.VERSION}.json"
        for cls in contracts.event_classes().values()
        if not cls.TYPE.startswith("tests.")
    }

    assert expected <= names, f"missing samples: {sorted(expected - names)}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_sample_parses_to_the_current_class_and_round_trips(path: Path):
    envelope = Envelope.from_bytes(path.read_bytes())

    event = contracts.parse(envelope)

    cls = contracts.event_classes()[envelope.event_type]
    assert isinstance(event, cls)
    assert path.name == f"{envelope.event_type}.v{envelope.event_version}.json"
    again = json.loads(Envelope.wrap(event).to_bytes())["payload"]
    assert cls.model_validate(again) == event
