"""The Grafana dashboard reaches compose and Kubernetes users, and every alert has a runbook line."""
import json
import os
import re

import yaml

from tests.conftest import ROOT

DEPLOY = os.path.join(ROOT, "deploy")
GRAFANA = os.path.join(DEPLOY, "grafana")


def _yaml(*parts):
    with open(os.path.join(*parts)) as f:
        return list(yaml.safe_load_all(f))


def _provider_path() -> str:
    [provisioning] = _yaml(GRAFANA, "provisioning", "dashboards", "platform.yml")
    [provider] = provisioning["providers"]
    return provider["options"]["path"]


def _dashboards() -> list[str]:
    return sorted(n for n in os.listdir(os.path.join(GRAFANA, "dashboards")) if n.endswith(".json"))


def test_compose_mounts_the_provisioning_and_the_dashboards_where_grafana_reads_them():
    [compose] = _yaml(DEPLOY, "docker-compose.yml")
    volumes = compose["services"]["grafana"]["volumes"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in volumes
    assert f"./grafana/dashboards:{_provider_path()}:ro" in volumes
    assert compose["services"]["grafana"]["environment"]["PROMETHEUS_URL"]


def test_kubernetes_grafana_gets_every_dashboard_and_both_provisioning_files():
    [kustomization] = _yaml(GRAFANA, "kustomization.yaml")
    generated = {g["name"]: g for g in kustomization["configMapGenerator"]}
    for generator in generated.values():
        for path in generator.get("files", []):
            assert os.path.isfile(os.path.join(GRAFANA, path)), path
    assert sorted(os.path.basename(p) for p in generated["grafana-dashboards"]["files"]) == \
        _dashboards()
    assert any(ln.startswith("PROMETHEUS_URL=") for ln in generated["grafana-settings"]["literals"])

    docs = {d["kind"]: d for d in _yaml(GRAFANA, "grafana.yaml")}
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v}
    mounts = {volumes[m["name"]]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]
              if m["name"] in volumes}
    assert mounts == {"grafana-dashboards": _provider_path(),
                      "grafana-provisioning-dashboards": "/etc/grafana/provisioning/dashboards",
                      "grafana-provisioning-datasources": "/etc/grafana/provisioning/datasources"}
    assert {"configMapRef": {"name": "grafana-settings"}} in pod["containers"][0]["envFrom"]
    assert kustomization["resources"] == ["grafana.yaml"]


def test_every_panel_uses_the_provisioned_datasource_and_has_a_unique_id():
    [datasources] = _yaml(GRAFANA, "provisioning", "datasources", "prometheus.yml")
    uids = {d["uid"] for d in datasources["datasources"]}
    with open(os.path.join(GRAFANA, "dashboards", "platform-overview.json")) as f:
        panels = json.load(f)["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    queried = [p for p in panels if p.get("targets")]
    assert len(queried) >= 20
    assert {p["datasource"]["uid"] for p in queried} <= uids
    assert {t["datasource"]["uid"] for p in queried for t in p["targets"]} <= uids


def test_the_readme_has_a_runbook_line_for_every_alert():
    [rules] = _yaml(DEPLOY, "prometheus", "alerts.yml")
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    operations = readme.split("## Operations", 1)[1].split("\n## ", 1)[0]
    runbook = {m.group(1): m.group(2) for m in
               re.finditer(r"^\| `(Platform\w+)` \|[^|]+\|([^|]+)\|$", operations, re.M)}
    assert set(runbook) == alerts
    assert all(len(line.strip()) > 20 for line in runbook.values())
    assert "PROMETHEUS=0" in operations and "regionctl logs --correlation-id" in operations
