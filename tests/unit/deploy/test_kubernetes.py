"""deploy/kubernetes: every manifest parses, kustomization lists them all, each service has
a Deployment on its real port with its real probes and a Service, and every ``LOTLINE_``
variable the manifests name is a setting ``shared.settings.Settings`` reads."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # via schemathesis; no stubs
from pydantic import BaseModel

from shared.settings import Ports, Settings

KUBERNETES = Path(__file__).resolve().parents[3] / "deploy" / "kubernetes"
CONSUMING = ("orders", "inventory", "production", "connectors", "trace")
PROCESSES = (*CONSUMING, "gateway")
NAMED = re.compile(r"\bLOTLINE_[A-Z0-9_]+\b")


def documents() -> list[dict[str, Any]]:
    found = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                assert isinstance(document, dict), path
                found.append(document)
    return found


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


def is_setting(name: str) -> bool:
    """``LOTLINE_KAFKA__REPLICATION_FACTOR`` → ``Settings.kafka.replication_factor``; a
    dict-valued field (``LOTLINE_UPSTREAMS__ORDERS``) takes any key."""
    parts = name.removeprefix("LOTLINE_").lower().split("__")
    model: type[BaseModel] = Settings
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        annotation = field.annotation
        if i == len(parts) - 1:
            return True
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        elif getattr(annotation, "__origin__", None) is dict:
            return i == len(parts) - 2
        else:
            return False
    return False


def test_every_manifest_parses_and_names_its_kind():
    found = documents()

    assert found
    for document in found:
        assert {"apiVersion", "kind"} <= document.keys(), document
        if document["kind"] != "Kustomization":
            assert document["metadata"]["name"], document


def test_kustomization_applies_every_manifest_in_the_folder():
    [kustomization] = [d for d in documents() if d["kind"] == "Kustomization"]
    on_disk = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}

    assert set(kustomization["resources"]) == on_disk
    assert kustomization["namespace"] == "lotline"


@pytest.mark.parametrize("name", PROCESSES)
def test_each_process_has_a_deployment_with_its_real_port_and_probes_and_a_service(name):
    deployment = of_kind("Deployment")[f"lotline-{name}"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    port = getattr(Ports(), name)

    assert container["command"] == ["python", "-m", f"services.{name}"]
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    sources = {next(iter(s)): next(iter(s.values()))["name"] for s in container["envFrom"]}
    assert sources == {"configMapRef": "lotline-settings", "secretRef": "lotline-secrets"}
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels
    service = of_kind("Service")[name]
    assert service["spec"]["selector"] == labels
    assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]


@pytest.mark.parametrize("name", CONSUMING)
def test_the_consuming_services_run_two_replicas(name):
    assert of_kind("Deployment")[f"lotline-{name}"]["spec"]["replicas"] >= 2


def test_the_gateway_reaches_each_service_through_its_kubernetes_service():
    data = of_kind("ConfigMap")["lotline-settings"]["data"]

    for name in CONSUMING:
        assert (
            data[f"LOTLINE_UPSTREAMS__{name.upper()}"] == f"http://{name}:{getattr(Ports(), name)}"
        )


def test_kafka_is_three_brokers_with_three_replicas_and_secrets_stay_out_of_the_configmap():
    data = of_kind("ConfigMap")["lotline-settings"]["data"]
    secret = of_kind("Secret")["lotline-secrets"]["stringData"]

    assert len(data["LOTLINE_KAFKA__BOOTSTRAP_SERVERS"].split(",")) == 3
    assert data["LOTLINE_KAFKA__REPLICATION_FACTOR"] == "3"
    assert {"LOTLINE_PG__PASSWORD", "LOTLINE_SECRETS__KEYS"} <= secret.keys()
    assert not any("PASSWORD" in k or "SECRET" in k or "KEYS" in k for k in data)


def test_every_variable_the_manifests_name_is_a_real_setting():
    named = {m for p in KUBERNETES.glob("*.yaml") for m in NAMED.findall(p.read_text())}

    assert "LOTLINE_KAFKA__BOOTSTRAP_SERVERS" in named
    assert {n for n in named if not is_setting(n)} == set()
    assert not is_setting("LOTLINE_KAFKA__REPLICATION") and not is_setting("LOTLINE_NOPE")


def test_the_manifests_settings_load_as_a_production_deployment(monkeypatch):
    for name in [n for n in os.environ if n.startswith("LOTLINE_")]:
        monkeypatch.delenv(name)
    env = {
        **of_kind("ConfigMap")["lotline-settings"]["data"],
        **of_kind("Secret")["lotline-secrets"]["stringData"],
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    settings = Settings()

    assert settings.environment == "production"
    assert settings.kafka.replication_factor == 3 and len(settings.kafka.servers()) == 3
    assert settings.service_url("connectors") == "http://connectors:8104"
    assert len(settings.secrets.keys) == 1 and settings.pg.password.get_secret_value()
