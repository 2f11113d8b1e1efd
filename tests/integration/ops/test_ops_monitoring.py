"""A real Prometheus and Alertmanager watching a running platform (see conftest.py).

The tests run in file order: the destructive one (a service stopped) comes last.
"""
import json
import os
import signal

import pytest
import yaml
from kombu import Connection, Exchange

from tests.conftest import ROOT
from tests.integration.ops.conftest import family_of, metric_names, wait_for

pytestmark = pytest.mark.integration

SERVICES = {"investments", "budgets", "personnel", "gateway"}
DASHBOARD = os.path.join(ROOT, "deploy", "grafana", "dashboards", "platform-overview.json")
RULES = os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")
# Grafana's variables, as Grafana would substitute them
DASHBOARD_VARIABLES = {"$__rate_interval": "1m", "$__range": "5m", "$__interval": "15s",
                       "$service": ".*"}


def rule_exprs() -> dict[str, str]:
    with open(RULES) as f:
        return {r["alert"]: r["expr"] for g in yaml.safe_load(f)["groups"] for r in g["rules"]}


def panel_exprs() -> list[tuple[str, str]]:
    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    found = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in DASHBOARD_VARIABLES.items():
                expr = expr.replace(variable, value)
            found.append((panel["title"], expr))
    return found


def test_every_service_replica_and_the_broker_are_scraped_and_up(monitored):
    _, monitoring = monitored

    def all_up():
        targets = monitoring.api("targets")["activeTargets"]
        platform = [t for t in targets if t["labels"]["job"] == "platform"]
        if {t["labels"]["service"] for t in platform} != SERVICES:
            return None
        return targets if all(t["health"] == "up" for t in targets) else None

    targets = wait_for(all_up, 30, "every target up")
    assert {(t["labels"]["service"], t["labels"]["replica"]) for t in targets
            if t["labels"]["job"] == "platform"} == {(s, "1") for s in SERVICES}
    if monitoring.env["BROKER_METRICS_ADDR"] != "-":
        assert {"rabbitmq", "rabbitmq-queues"} <= {t["labels"]["job"] for t in targets}


def test_rules_are_loaded_and_evaluate_without_error(monitored):
    _, monitoring = monitored

    def evaluated():
        rules = [r for g in monitoring.api("rules")["groups"] for r in g["rules"]]
        return rules if rules and all(r.get("lastEvaluation", "").startswith("2") and
                                      not r["lastEvaluation"].startswith("0001")
                                      for r in rules) else None

    rules = wait_for(evaluated, 15, "every rule evaluated once")
    assert {r["name"] for r in rules} == set(rule_exprs())
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"] == []


def test_every_metric_the_rules_and_the_dashboard_name_exists_on_a_target(monitored):
    platform, monitoring = monitored
    platform.api(None).get("/health")
    wanted = {name for expr in rule_exprs().values() for name in metric_names(expr)}
    wanted |= {name for _, expr in panel_exprs() for name in metric_names(expr)}
    assert "platform_outbox_backlog" in wanted and "up" in wanted
    wanted.discard("up")  # Prometheus' own series per target
    exposed = wait_for(lambda: (lambda names: names if "platform_store_up" in names else None)(
        {m["metric"] for m in monitoring.api("targets/metadata", limit="100000")}),
        15, "target metadata")
    missing = sorted(n for n in wanted if not any(c in exposed for c in family_of(n)))
    assert missing == []


def test_every_dashboard_query_parses_and_the_core_panels_have_data(monitored):
    platform, monitoring = monitored
    platform.api(None).get("/health")
    for _title, expr in panel_exprs():
        monitoring.query(expr)  # a syntax error fails here with Prometheus' message
    assert {r["metric"]["service"] for r in monitoring.query('up{job="platform"}')} == SERVICES
    calls = wait_for(lambda: monitoring.query(
        'sum by (service) (platform_entrypoint_calls_total{kind="http", entrypoint="health"})'),
        15, "the gateway's health calls")
    assert calls[0]["metric"]["service"] == "gateway"


def test_http_metrics_are_labelled_by_route_template_not_by_path(monitored):
    platform, monitoring = monitored
    api = platform.api("ministry_analyst")
    for code in ("KZ-10", "KZ-19", "KZ-99"):
        api.get(f"/api/v1/regions/{code}")
    series = wait_for(lambda: monitoring.query(
        'platform_http_requests_total{route="/api/v1/regions/<string:code>"}'), 15,
        "the route's series")
    assert {s["metric"]["status"] for s in series} >= {"200", "404"}
    assert sum(float(s["value"][1]) for s in series) >= 3
    assert monitoring.query('count(platform_http_requests_total{route=~".*KZ-.*"})') == []


def test_store_and_broker_connection_state_and_queue_gauges(monitored):
    _, monitoring = monitored
    store = wait_for(lambda: monitoring.query("platform_store_up == 1"), 15, "store up")
    broker = wait_for(lambda: monitoring.query("platform_broker_up == 1"), 15, "broker up")
    assert {s["metric"]["service"] for s in store} == SERVICES
    assert {s["metric"]["service"] for s in broker} == SERVICES
    consumers = wait_for(lambda: monitoring.query(
        'platform_queue_consumers{queue="gateway.record_event"}'), 15, "queue gauge")
    assert float(consumers[0]["value"][1]) >= 1


def test_a_dead_lettered_message_fires_the_dead_letter_alert(monitored):
    platform, monitoring = monitored
    with Connection(platform.env["AMQP_URI"]) as conn:
        producer = conn.Producer()
        producer.publish({"event_type": "project_registered", "not": "an envelope"},
                         exchange=Exchange("investments.events", type="topic", durable=True),
                         routing_key="project_registered", declare=[], retry=True)

    def firing():
        alerts = monitoring.api("alerts")["alerts"]
        return [a for a in alerts if a["labels"]["alertname"] == "PlatformDeadLetters"
                and a["state"] == "firing"]

    alerts = wait_for(firing, 30, "PlatformDeadLetters firing")
    assert alerts[0]["labels"]["service"] == "gateway"
    assert alerts[0]["labels"]["reason"] == "invalid_message"
    depth = wait_for(lambda: monitoring.query(
        'platform_queue_messages{queue="platform.dead-letters", state="ready"} > 0'), 15,
        "dead-letter queue depth")
    assert float(depth[0]["value"][1]) >= 1
    pending = wait_for(lambda: [a for a in monitoring.api("alerts")["alerts"]
                                if a["labels"]["alertname"] == "PlatformDeadLetterQueueNotEmpty"],
                       15, "the dead-letter queue alert")
    assert pending[0]["labels"]["queue"] == "platform.dead-letters"


def test_a_stopped_service_fires_its_down_alert_and_the_receiver_gets_it(monitored):
    platform, monitoring = monitored
    with open(os.path.join(platform.env["PLATFORM_STATE_DIR"], "run", "personnel.pid")) as f:
        pid = int(f.read())
    os.kill(pid, signal.SIGKILL)

    def notified():
        return [alert for note in monitoring.notifications() if note["status"] == "firing"
                for alert in note["alerts"]
                if alert["labels"]["alertname"] == "PlatformServiceDown"
                and alert["labels"]["service"] == "personnel"]

    # scrape 1 s + for: 2 s + evaluation 1 s + group_wait 1 s, with room for a loaded machine
    alerts = wait_for(notified, 30, "PlatformServiceDown for personnel in the receiver's file")
    assert alerts[0]["annotations"]["summary"].startswith("personnel does not answer on 127.0.0.1:")
    assert alerts[0]["labels"]["severity"] == "critical"
    others = {a["labels"]["service"] for note in monitoring.notifications()
              for a in note["alerts"] if a["labels"]["alertname"] == "PlatformServiceDown"}
    assert others == {"personnel"}
