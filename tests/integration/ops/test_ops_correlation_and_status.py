"""One request followed through the logs, the metrics it leaves, and `regionctl status`, on the
platform and Prometheus of conftest.py (this file runs before the destructive test_ops_monitoring)."""
import json
import os
import random
import re
import subprocess
import uuid

import pytest

from services.investments.application.demo_data import generate_projects
from tests.conftest import ROOT
from tests.integration.ops.conftest import wait_for

pytestmark = pytest.mark.integration

REGION = "KZ-47"
REGIONCTL = os.path.join(ROOT, ".venv", "bin", "regionctl")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def regionctl(env: dict, *args) -> subprocess.CompletedProcess:
    return subprocess.run([REGIONCTL, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture(scope="module")
def registered(monitored):
    """A project registered over HTTP with a correlation id of the test's choosing."""
    platform, _ = monitored
    correlation_id = f"ops-{uuid.uuid4()}"
    body = {**generate_projects(1, seed=random.randrange(10**6))[0], "region_code": REGION,
            "agglomeration": None}
    answer = platform.api("regional_officer", REGION).post(
        "/api/v1/projects", json=body, headers={"X-Correlation-Id": correlation_id})
    assert answer.status_code == 201, answer.text
    assert answer.headers["X-Correlation-Id"] == correlation_id
    return correlation_id, answer.json()


def test_regionctl_logs_follows_a_request_through_gateway_service_and_hub_reaction(
        monitored, registered):
    platform, _ = monitored
    correlation_id, project = registered

    def followed():
        run = regionctl(platform.env, "logs", "--correlation-id", correlation_id, "--json")
        lines = [json.loads(line) for line in run.stdout.splitlines()]
        reacted = [ln for ln in lines if ln["service"] == "gateway" and ln["event_id"]
                   and ln["message"].startswith("event record_event ok")]
        return lines if run.returncode == 0 and reacted else None

    lines = wait_for(followed, 30, "the hub's reaction line with the request's correlation id")
    services = {line["service"] for line in lines}
    assert {"gateway", "investments"} <= services
    assert any(ln["service"] == "gateway" and ln["message"].startswith("http ") for ln in lines)
    assert any(ln["service"] == "investments" and ln["message"].startswith("rpc ") for ln in lines)
    # the outbox published the event, and the hub's reaction names that very event
    published = {ln["event_id"] for ln in lines
                 if ln["service"] == "investments" and ln["message"] == "published project_registered"}
    reactions = {ln["event_id"] for ln in lines if ln["message"].startswith("event record_event ok")}
    assert published and published <= reactions
    assert [ln["time"] for ln in lines] == sorted(ln["time"] for ln in lines)
    assert {ln["correlation_id"] for ln in lines} == {correlation_id}
    assert all({"time", "level", "service", "replica", "event_id", "message"} <= set(ln)
               for ln in lines)
    # the readable form names each line's service and replica
    readable = regionctl(platform.env, "logs", "--correlation-id", correlation_id)
    assert "investments/1" in readable.stdout and "gateway/1" in readable.stdout


def test_the_request_leaves_red_business_and_outbox_metrics_with_bounded_labels(
        monitored, registered):
    _, monitoring = monitored
    _, project = registered
    route = wait_for(lambda: monitoring.query(
        'platform_http_requests_total{method="POST", route="/api/v1/projects", status="201"}'),
        20, "the POST route's series")
    assert route[0]["metric"]["service"] == "gateway"
    assert monitoring.query('platform_http_request_duration_seconds_count'
                            '{route="/api/v1/projects"}')
    assert wait_for(lambda: monitoring.query(
        'platform_entrypoint_calls_total{service="investments", kind="rpc", outcome="ok"}'),
        20, "investments' RPC calls")
    assert wait_for(lambda: monitoring.query(
        'platform_entrypoint_duration_seconds_count{service="gateway", kind="event",'
        ' entrypoint="record_event"}'), 20, "the hub's handler duration")
    projects = wait_for(lambda: monitoring.query(f'platform_projects{{region="{REGION}"}} > 0'),
                        30, "the projects gauge for the region")
    assert projects[0]["metric"]["stage"] == project["stage"]
    for name in ("platform_outbox_backlog", "platform_outbox_oldest_pending_seconds"):
        assert {s["metric"]["service"] for s in wait_for(
            lambda name=name: monitoring.query(name), 20, name)} >= {"investments", "budgets", "personnel"}
    assert wait_for(lambda: monitoring.query('platform_queue_messages{queue="rpc-investments"}'),
                    20, "the RPC queue's depth")
    assert monitoring.query("platform_overdue_reports")
    families = {m["metric"] for m in monitoring.api("targets/metadata", limit="100000")}
    assert {"platform_open_initiatives", "platform_rotations",
            "platform_budget_import_last_finished_timestamp_seconds"} <= families

    series = monitoring.api("series", **{"match[]": '{__name__=~"platform_.*"}'})
    values = {value for s in series for key, value in s.items()
              if key not in ("__name__", "instance")}
    assert not [v for v in values if UUID.search(v) or project["id"] in v]


def test_up_prints_where_the_console_and_prometheus_are(monitored):
    platform, monitoring = monitored
    printed = monitoring.up_output
    assert f"console      {platform.base_url}/console" in printed
    assert f"Prometheus   {monitoring.prometheus}" in printed
    assert f"Alertmanager {monitoring.alertmanager}" in printed
    assert platform.api(None).get("/console").status_code == 200


def test_regionctl_status_shows_every_component_replica_queue_and_outbox(monitored):
    platform, monitoring = monitored
    run = regionctl(monitoring.env, "status", "--json")
    rows = json.loads(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row["kind"], {})[row["name"]] = row
    assert {n: r["state"] for n, r in by_kind["component"].items()} == {
        "broker": "up", "store": "up", "prometheus": "up", "alertmanager": "up"}
    assert {n: r["state"] for n, r in by_kind["replica"].items()} == {
        "investments/1": "up", "budgets/1": "up", "personnel/1": "up", "gateway/1": "up"}
    pid = open(os.path.join(platform.env["PLATFORM_STATE_DIR"], "run", "budgets.pid")).read()
    assert by_kind["replica"]["budgets/1"]["detail"] == (
        f"pid {pid.strip()}, metrics :{platform.env['BUDGETS_METRICS_PORT']}")
    assert "consumers 1" in by_kind["queue"]["rpc-investments"]["detail"]
    assert set(by_kind["dlq"]) == {"platform.dead-letters"}
    assert set(by_kind["outbox"]) == {"investments", "budgets", "personnel", "gateway"}
    assert all(r["detail"].startswith("backlog ") for r in by_kind["outbox"].values())
    table = regionctl(monitoring.env, "status").stdout.splitlines()
    assert table[0].split() == ["KIND", "NAME", "STATE", "DETAIL"] and len(table) == len(rows) + 1
