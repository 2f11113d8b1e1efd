"""The whole platform, as `make up` starts it (platform.sh with WITH_MONITORING=1), watched by a
Prometheus and an Alertmanager of the test's own (deploy/local/monitoring.sh on free ports, its own
state folder).

Scrapes and rule evaluations run every second and Alertmanager groups for a second, so an alert
fires in seconds. The rules are deploy/prometheus/alerts.yml with every ``for:`` shortened to
``FOR_SECONDS`` (written to the state folder); expressions, labels and annotations are the real
ones. The broker's rabbitmq_prometheus endpoint (BROKER_METRICS_ADDR, default 127.0.0.1:15692) is
scraped when that broker exposes it, as the broker deploy/local/infra.sh starts does.
"""
import os
import re
import subprocess
import time
import uuid
from urllib.parse import quote

import pytest
import requests
import yaml

from tests.conftest import ROOT
from tests.e2e.conftest import Platform, _management, free_port

pytestmark = pytest.mark.integration

FOR_SECONDS = 2
RULES = os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")


def shortened_rules(path: str) -> str:
    with open(RULES) as f:
        rules = yaml.safe_load(f)
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = f"{FOR_SECONDS}s"
    with open(path, "w") as f:
        yaml.safe_dump(rules, f, sort_keys=False)
    return path


def broker_metrics_addr() -> str:
    addr = os.environ.get("BROKER_METRICS_ADDR", "127.0.0.1:15692")
    try:
        requests.get(f"http://{addr}/metrics", timeout=2).raise_for_status()
        return addr
    except requests.RequestException:
        return "-"


class Monitoring:
    def __init__(self, env: dict):
        self.env = env
        self.prometheus = f"http://127.0.0.1:{env['PROMETHEUS_PORT']}"
        self.alertmanager = f"http://127.0.0.1:{env['ALERTMANAGER_PORT']}"
        self.notifications_file = os.path.join(env["MONITORING_STATE_DIR"], "alerts.jsonl")

    def script(self, *args, check=True):
        return subprocess.run(["bash", os.path.join(ROOT, "deploy", "local", "monitoring.sh"),
                               *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
                              check=check)

    def api(self, path: str, **params):
        answer = requests.get(f"{self.prometheus}/api/v1/{path}", params=params, timeout=10)
        body = answer.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str):
        return self.api("query", query=expr)["result"]

    def notifications(self) -> list[dict]:
        import json
        if not os.path.exists(self.notifications_file):
            return []
        with open(self.notifications_file) as f:
            return [json.loads(line) for line in f if line.strip()]


def _drop_databases(prefix: str) -> None:
    """The run's databases go with it: the store is shared with every other run."""
    import pymongo
    with pymongo.MongoClient(os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"),
                             serverSelectionTimeoutMS=5000) as client:
        for name in client.list_database_names():
            if name.startswith(prefix):
                client.drop_database(name)


@pytest.fixture(scope="package")
def monitored():
    """(platform, monitoring): a platform of its own and the Prometheus watching it."""
    run_id = uuid.uuid4().hex[:8]
    vhost = f"ops_{run_id}"
    _management(f"vhosts/{quote(vhost, safe='')}")
    _management(f"permissions/{quote(vhost, safe='')}/guest",
                json={"configure": ".*", "write": ".*", "read": ".*"})
    state = os.path.join(ROOT, "var", "ops-test", run_id)
    os.makedirs(state, exist_ok=True)
    port = free_port()
    amqp_base = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/").rstrip("/")
    amqp_base = amqp_base.rsplit("/", 1)[0] if amqp_base.count("/") > 2 else amqp_base
    env = dict(os.environ)
    env.update({
        "AMQP_URI": f"{amqp_base}/{vhost}",
        "MONGO_DB_PREFIX": f"ops_{run_id}",
        "GATEWAY_PORT": str(port),
        "INVESTMENTS_METRICS_PORT": str(free_port()),
        "BUDGETS_METRICS_PORT": str(free_port()),
        "PERSONNEL_METRICS_PORT": str(free_port()),
        "PLATFORM_STATE_DIR": os.path.join(state, "platform"),
        "JWT_SECRET": f"ops-secret-{uuid.uuid4().hex}",
        "OUTBOX_SWEEP_SECONDS": "0.5",
        "HANDLER_RETRY_DELAYS": "0.5,1",
        "RATE_LIMIT_PER_SECOND": "1000",
        "RATE_LIMIT_BURST": "1000",
        "METRICS_PROBE_SECONDS": "1",
        # monitoring
        "MONITORING_STATE_DIR": os.path.join(state, "monitoring"),
        "PROMETHEUS_PORT": str(free_port()),
        "ALERTMANAGER_PORT": str(free_port()),
        "ALERT_RECEIVER_PORT": str(free_port()),
        "PROMETHEUS_RULES": shortened_rules(os.path.join(state, "alerts.yml")),
        "PROMETHEUS_SCRAPE_INTERVAL": "1s",
        "PROMETHEUS_EVALUATION_INTERVAL": "1s",
        "ALERTMANAGER_GROUP_WAIT": "1s",
        "ALERTMANAGER_GROUP_INTERVAL": "1s",
        "BROKER_METRICS_ADDR": broker_metrics_addr(),
        "FERRETDB_METRICS_ADDR": "-",
    })
    env.setdefault("PYTHON", os.path.join(ROOT, ".venv", "bin", "python"))
    # as `make up` does: platform.sh starts the services, then Prometheus and Alertmanager
    env["WITH_MONITORING"] = "1"
    platform = Platform(env, f"http://127.0.0.1:{port}")
    monitoring = Monitoring(env)
    started = platform.script("up", check=False)
    if started.returncode != 0:
        platform.script("down", check=False)
        pytest.fail(f"platform or monitoring did not start:\n{started.stdout}\n{started.stderr}")
    monitoring.up_output = started.stdout
    yield platform, monitoring
    stopped = platform.script("down", check=False)
    _management(f"vhosts/{quote(vhost, safe='')}", method="delete")
    _drop_databases(f"ops_{run_id}_")
    # `down` stops the monitoring stack with the services
    assert "[monitoring] stopped" in stopped.stdout, stopped.stdout + stopped.stderr
    with pytest.raises(requests.RequestException):
        requests.get(f"{monitoring.prometheus}/-/ready", timeout=2)


# -- PromQL: the metric names a query uses ------------------------------------------------------
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
             "unless", "offset", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (strings, label matchers, ranges, grouping clauses and
    function names removed first)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS or re.fullmatch(r"\d+\w*", name):
            continue
        names.add(name)
    return names


def family_of(name: str) -> list[str]:
    """Names a series may be exposed under in the targets' metadata."""
    candidates = [name]
    for suffix in ("_bucket", "_sum", "_count", "_total"):
        if name.endswith(suffix):
            candidates.append(name[: -len(suffix)])
    return candidates


def wait_for(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
