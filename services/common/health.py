"""Health of the platform: the answer of every domain service's ``health`` RPC, and the one-table
picture ``regionctl status`` prints (components, replicas, queues, dead letters, outboxes).

``platform_status`` reads what a local operator has: the pid files and the Prometheus targets file
that deploy/local/platform.sh keeps under ``PLATFORM_STATE_DIR``, each replica's ``/metrics``, the
broker's management API, the store's outbox pointers, and the readiness endpoints of Prometheus and
Alertmanager. Every probe is bounded by a short timeout; one that fails makes its row ``down``, never
the whole command.
"""
import json
import os
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_SECONDS = 2.0
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("investments", "budgets", "personnel", "gateway")
DOMAIN_SERVICES = ("investments", "budgets", "personnel")


def health_report(service: str, repository) -> dict:
    store_up = repository.ping()
    report = {"service": service, "store": "up" if store_up else "down"}
    if store_up:
        report["outbox_backlog"] = repository.relay.backlog(repository.db)
    return report


@dataclass
class Row:
    """One line of the status table: what (kind), which (name), its state and the numbers."""
    kind: str      # component | replica | queue | dlq | outbox
    name: str
    state: str     # up | down | off | ok | - (a number row)
    detail: str = ""

    def healthy(self) -> bool:
        return self.state not in ("down", "no-metrics")


def state_dir() -> Path:
    return Path(os.environ.get("PLATFORM_STATE_DIR") or ROOT / "var" / "platform")


def _answers(url: str) -> bool:
    # imported here: every service imports this module for ``health_report`` alone, and
    # requests (with urllib3) is a tenth of a second of each service's cold start
    import requests
    try:
        return requests.get(url, timeout=TIMEOUT_SECONDS).status_code == 200
    except requests.RequestException:
        return False


def _pid_alive(pid_file: Path) -> int | None:
    """The pid recorded in ``pid_file`` when that process still runs nameko, else None."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"nameko" in cmdline else None


def replicas(platform_state: Path) -> list[dict]:
    """[{service, replica, instance, port}] from the targets file, plus any pid file beyond it."""
    found = {}
    try:
        targets = json.loads((platform_state / "prometheus-targets.json").read_text())
    except (OSError, ValueError):
        targets = []
    for target in targets:
        service, replica = target["labels"]["service"], int(target["labels"]["replica"])
        port = int(target["targets"][0].rsplit(":", 1)[1])
        found[(service, replica)] = port
    for pid_file in sorted((platform_state / "run").glob("*.pid")):
        service, _, replica = pid_file.stem.partition("-")
        if service in SERVICES:
            found.setdefault((service, int(replica or 1)), None)
    return [{"service": s, "replica": r, "instance": s if r == 1 else f"{s}-{r}", "port": port}
            for (s, r), port in sorted(found.items(), key=lambda item: (SERVICES.index(item[0][0]),
                                                                        item[0][1]))]


def replica_rows(platform_state: Path) -> list[Row]:
    rows = []
    for item in replicas(platform_state):
        pid = _pid_alive(platform_state / "run" / f"{item['instance']}.pid")
        port = item["port"]
        serving = port is not None and _answers(f"http://127.0.0.1:{port}/metrics")
        state = "down" if pid is None else ("up" if serving else "no-metrics")
        detail = f"pid {pid if pid else '-'}, metrics :{port if port else '-'}"
        rows.append(Row("replica", f"{item['service']}/{item['replica']}", state, detail))
    return rows


def component_rows(settings) -> list[Row]:
    from services.common.probes import broker_answers, store_answers
    prometheus = int(os.environ.get("PROMETHEUS_PORT") or 9090)
    alertmanager = int(os.environ.get("ALERTMANAGER_PORT") or 9093)
    rows = [Row("component", "broker", "up" if broker_answers(settings.amqp_uri) else "down",
                _masked(settings.amqp_uri)),
            Row("component", "store", "up" if store_answers() else "down",
                _masked(settings.mongo_uri))]
    for name, port in (("prometheus", prometheus), ("alertmanager", alertmanager)):
        url = f"http://127.0.0.1:{port}"
        rows.append(Row("component", name, "up" if _answers(f"{url}/-/ready") else "down", url))
    return rows


def queue_rows(settings) -> list[Row]:
    from services.common import broker_api, topology
    try:
        stats = broker_api.queues(settings)
    except Exception as exc:  # the management API away: say so in the table
        return [Row("queue", "(all)", "down", f"management API: {type(exc).__name__}")]
    rows = []
    # the dead-letter queue last, below the queues it collects from
    for queue in sorted(stats, key=lambda q: (q["name"] == topology.DEAD_LETTER_QUEUE, q["name"])):
        detail = f"ready {queue['ready']}, unacked {queue['unacked']}, consumers {queue['consumers']}"
        if queue["name"] == topology.DEAD_LETTER_QUEUE:
            rows.append(Row("dlq", queue["name"], "ok" if queue["ready"] == 0 else "messages",
                            f"{queue['ready'] + queue['unacked']} dead-lettered"))
        else:
            rows.append(Row("queue", queue["name"], "-", detail))
    return rows


def outbox_rows(settings) -> list[Row]:
    """Pointers not yet dropped in each service's outbox, and the age of the oldest one."""
    from datetime import datetime, timezone

    from services.common.probes import outbox_state
    rows = []
    for service in SERVICES:
        try:
            backlog, created = outbox_state(settings, service)
        except Exception as exc:
            rows.append(Row("outbox", service, "down", f"store: {type(exc).__name__}"))
            continue
        age = 0.0
        if backlog and created is not None:
            if created.tzinfo is None:
                created = created.replace(tzinfo=timezone.utc)
            age = max(0.0, (datetime.now(timezone.utc) - created).total_seconds())
        rows.append(Row("outbox", service, "-", f"backlog {backlog}, oldest {age:.0f}s"))
    return rows


def platform_status(settings, platform_state: Path | None = None) -> list[Row]:
    platform_state = platform_state or state_dir()
    return (component_rows(settings) + replica_rows(platform_state) + queue_rows(settings)
            + outbox_rows(settings))


def format_table(rows: list[Row]) -> str:
    header = Row("KIND", "NAME", "STATE", "DETAIL")
    widths = [max(len(getattr(r, f)) for r in [header, *rows]) for f in ("kind", "name", "state")]
    return "\n".join(f"{r.kind:<{widths[0]}}  {r.name:<{widths[1]}}  {r.state:<{widths[2]}}  "
                     f"{r.detail}".rstrip() for r in [header, *rows])


def _masked(uri: str) -> str:
    import re
    return re.sub(r"(//[^:/@]*):[^@/]*@", r"\1:***@", uri)
