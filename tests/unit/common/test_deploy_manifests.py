"""The deployment files: valid Kubernetes objects, no usable default credential, the store with
authentication, only the gateway reachable from outside, every service on its own broker user."""
import glob
import os
import re

import kubernetes_validate
import pytest
import yaml

from services.common.config import load_settings, secret_problems

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
K8S = os.path.join(ROOT, "deploy", "k8s")
SERVICES = ("investments", "budgets", "personnel", "gateway")
KUBERNETES_VERSION = "1.30.0"
# Custom resources of an operator: the core schemas do not know them.
OPERATOR_KINDS = {"RabbitmqCluster"}


def _objects():
    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(open(path)):
            if document:
                yield os.path.basename(path), document


def _by_kind(kind):
    return {doc["metadata"]["name"]: doc for _, doc in _objects() if doc["kind"] == kind}


@pytest.mark.parametrize("name,document", list(_objects()),
                         ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_every_manifest_is_a_valid_kubernetes_object(name, document):
    if document["kind"] in OPERATOR_KINDS:
        assert document["apiVersion"].startswith("rabbitmq.com/")
        return
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_existing_files_including_the_network_policy():
    listed = yaml.safe_load(open(os.path.join(K8S, "kustomization.yaml")))["resources"]
    assert "network-policy.yaml" in listed
    assert all(os.path.exists(os.path.join(K8S, name)) for name in listed)


def _container(deployment):
    return deployment["spec"]["template"]["spec"]["containers"][0]


def _environment(container, secrets, config_maps) -> dict:
    """The environment Kubernetes would give the container, with $(VAR) references expanded."""
    env = {}
    for source in container.get("envFrom", []):
        if "secretRef" in source:
            env.update(secrets[source["secretRef"]["name"]]["stringData"])
        else:
            env.update(config_maps[source["configMapRef"]["name"]]["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), ""),
                                       item["value"])
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secrets[ref["name"]]["stringData"][ref["key"]]
    return env


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_deployed_as_shipped_refuses_to_start(service, monkeypatch):
    """No usable default: the shipped Secrets hold only empty values or CHANGE-ME placeholders."""
    deployment = _by_kind("Deployment")[service]
    env = _environment(_container(deployment), _by_kind("Secret"), _by_kind("ConfigMap"))
    for name in list(os.environ):
        if name in ("PLATFORM_ENV", "JWT_SECRET", "AMQP_URI", "RABBIT_API_URI", "MONGO_URI"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    problems = secret_problems(load_settings(), environ=env)
    assert any("JWT_SECRET" in p for p in problems)
    assert any("AMQP_URI" in p for p in problems)
    assert any("RABBIT_API_URI" in p for p in problems)
    assert env["AMQP_URI"].startswith(f"pyamqp://platform-{service}:")
    assert env["MONGO_URI"].startswith(f"mongodb://platform-{service}:")


def test_the_store_runs_with_authentication_and_a_user_per_service():
    mongo = _by_kind("StatefulSet")["mongo"]
    container = _container(mongo)
    assert "--keyFile" in container["args"]
    assert {e["name"] for e in container["env"]} >= {"MONGO_INITDB_ROOT_USERNAME",
                                                      "MONGO_INITDB_ROOT_PASSWORD"}
    assert _by_kind("Secret")["mongo-auth"]["stringData"]["root-password"] == ""
    script = next(e["value"] for e in _container(_by_kind("Job")["mongo-rs-init"])["env"]
                  if e["name"] == "SCRIPT")
    assert 'role: "readWrite", db: "regional_" + service' in script


def test_only_the_gateway_is_reachable_from_outside_the_namespace():
    policies = _by_kind("NetworkPolicy")
    deny = policies["default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {} and "ingress" not in deny
    open_to_all = []
    for name, policy in policies.items():
        for rule in policy["spec"].get("ingress", []):
            sources = rule.get("from")
            if not sources:
                open_to_all.append(policy["spec"]["podSelector"])
            else:
                assert all("ipBlock" not in s for s in sources), name
                assert all(set(s) <= {"podSelector", "namespaceSelector"} for s in sources)
                outside = [s for s in sources if "namespaceSelector" in s]
                if outside:  # only Prometheus, and only to metrics ports
                    assert outside[0]["namespaceSelector"]["matchLabels"] == {
                        "kubernetes.io/metadata.name": "monitoring"}
                    assert {p["port"] for p in rule["ports"]} <= {9101, 9102, 9103, 15692}
    assert open_to_all == [{"matchLabels": {"app.kubernetes.io/name": "gateway"}}]


def test_compose_runs_every_service_on_its_own_broker_user_without_guest():
    compose = yaml.safe_load(open(os.path.join(ROOT, "deploy", "docker-compose.yml")))
    for service in SERVICES:
        uri = compose["services"][service]["environment"]["AMQP_URI"]
        assert uri.startswith(f"pyamqp://platform-{service}:${{BROKER_PASSWORD_PLATFORM_")
    broker = compose["services"]["rabbitmq"]["environment"]
    assert broker["RABBITMQ_DEFAULT_USER"] == "platform-admin"  # so the image creates no guest
    assert ":?" in broker["RABBITMQ_DEFAULT_PASS"]  # must be set, no default


def test_no_default_credentials_outside_local_development_files():
    pattern = re.compile(r"guest:guest|admin:admin|admin/admin|:CHANGE-ME@(?!rabbitmq)"
                         r"|PASSWORD:-", re.IGNORECASE)
    offenders = []
    for path in glob.glob(os.path.join(ROOT, "deploy", "**", "*"), recursive=True):
        relative = os.path.relpath(path, ROOT)
        if os.path.isdir(path) or relative.startswith(("deploy/local/", "deploy/nameko.yaml")):
            continue  # local development runs on the loopback guest account on purpose
        text = open(path, errors="replace").read()
        offenders += [f"{relative}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []
