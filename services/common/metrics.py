"""Prometheus metrics for every service, and the nameko dependency that records them.

``Metrics()`` on a service class counts every entrypoint call (HTTP route, RPC, event handler,
timer) by kind and outcome and times it, without a line in the entrypoints themselves; it binds the
worker's correlation and event ids to its log lines (services.common.logs); and a background probe
sets the store and broker connection gauges and, where given, the service's own gauges
(``Metrics(gauges=fn)``: ``fn(settings)`` runs every ``METRICS_PROBE_SECONDS``, off the hot path).
Each domain service serves ``/metrics`` on its own port (``<SERVICE>_METRICS_PORT``); the gateway
serves it on its API port. Labels are bounded: route templates, never raw paths, and no ids.
"""
import logging
import threading
import time
from datetime import datetime, timezone

import eventlet
from kombu import Connection
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from services.common import logs
from services.common.config import load_settings
from services.common.errors import PlatformError

log = logging.getLogger(__name__)

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
ENTRYPOINT_CALLS = Counter(
    "platform_entrypoint_calls_total", "Entrypoint calls by kind and outcome",
    ["service", "kind", "entrypoint", "outcome"])  # outcome: ok | rejected (domain error) | error
ENTRYPOINT_DURATION = Histogram(
    "platform_entrypoint_duration_seconds", "Entrypoint duration",
    ["service", "kind", "entrypoint"], buckets=DURATION_BUCKETS)
HTTP_REQUESTS = Counter(
    "platform_http_requests_total", "HTTP requests by route template and status code",
    ["service", "method", "route", "status"])
HTTP_DURATION = Histogram(
    "platform_http_request_duration_seconds", "HTTP request duration by route template",
    ["service", "method", "route"], buckets=DURATION_BUCKETS)
EVENTS_PUBLISHED = Counter(
    "platform_events_published_total", "Events confirmed by the broker", ["source", "event_type"])
EVENTS_HANDLED = Counter(
    "platform_events_handled_total", "Events consumed by outcome",
    ["service", "handler", "outcome"])  # ok | retried | dead_lettered | duplicate
DEAD_LETTERS = Counter(
    "platform_dead_letters_total", "Messages moved to the dead-letter queue",
    ["service", "handler", "reason"])
DEAD_LETTER_REASONS = ("invalid_message", "handler_failed", "undecodable")
OUTBOX_BACKLOG = Gauge(
    "platform_outbox_backlog", "Outbox pointers not yet fully published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "platform_outbox_oldest_pending_seconds", "Age of the oldest outbox pointer (0: none)",
    ["service"])
RPC_TIMEOUTS = Counter(
    "platform_rpc_timeouts_total", "RPC calls that got no answer in time", ["caller", "target"])
STORE_UP = Gauge("platform_store_up", "1 when the service's store answers ping", ["service"])
BROKER_UP = Gauge("platform_broker_up", "1 when the service can open a broker connection",
                  ["service"])
# Queue depth and consumers from the broker's management API (the gateway probes its vhost), for
# users whose broker has no rabbitmq_prometheus plugin; the dead-letter queue is one of them.
QUEUE_MESSAGES = Gauge("platform_queue_messages", "Messages in a platform queue by state",
                       ["queue", "state"])  # state: ready | unacked
QUEUE_CONSUMERS = Gauge("platform_queue_consumers", "Consumers of a platform queue", ["queue"])
# Business gauges, computed where the data lives on the probe timer (never per request).
PROJECTS = Gauge("platform_projects", "Investment projects in the hub by stage and region",
                 ["stage", "region"])
OPEN_INITIATIVES = Gauge("platform_open_initiatives", "Open Office initiatives by rule (kind)",
                         ["rule"])
OVERDUE_REPORTS = Gauge("platform_overdue_reports",
                        "Regions whose annual report for the last closed year is missing after its"
                        " due date", [])
ROTATIONS = Gauge("platform_rotations", "Rotations in the hub by state", ["state"])
LAST_IMPORT = Gauge("platform_budget_import_last_finished_timestamp_seconds",
                    "When the last budget import ended, by its outcome", ["outcome"])


def kind_of(entrypoint) -> str:
    if isinstance(entrypoint, HttpRequestHandler):
        return "http"
    if isinstance(entrypoint, Rpc):
        return "rpc"
    if isinstance(entrypoint, Consumer):
        return "event"
    if isinstance(entrypoint, Timer):
        return "timer"
    return "other"


def record_http(service: str, method: str, route: str, status: int, seconds: float) -> None:
    """One answered HTTP request; ``route`` is the route's template (``/api/v1/projects/<id>``)."""
    HTTP_REQUESTS.labels(service, method, route, str(status)).inc()
    HTTP_DURATION.labels(service, method, route).observe(seconds)


def record_outbox(service: str, backlog: int, oldest_created_at: datetime | None) -> None:
    OUTBOX_BACKLOG.labels(service).set(backlog)
    age = 0.0
    if backlog and oldest_created_at is not None:
        if oldest_created_at.tzinfo is None:  # the store hands back naive UTC
            oldest_created_at = oldest_created_at.replace(tzinfo=timezone.utc)
        age = max(0.0, (datetime.now(timezone.utc) - oldest_created_at).total_seconds())
    OUTBOX_OLDEST_AGE.labels(service).set(age)


def set_gauge_family(gauge: Gauge, values: dict) -> None:
    """Replace every series of ``gauge`` with ``{label tuple: value}`` (gone ones disappear)."""
    current = {labels for labels in values}
    for labels in list(gauge._metrics):  # prometheus_client keeps children by label tuple
        if labels not in current:
            gauge.remove(*labels)
    for labels, value in values.items():
        gauge.labels(*labels).set(value)


def _store_answers() -> bool:
    from services.common.mongo import get_client
    try:
        get_client().admin.command("ping")
        return True
    except Exception:
        return False


def _broker_answers(amqp_uri: str) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False

_server_lock = threading.Lock()
_servers: set[int] = set()


def serve_metrics(port: int) -> None:
    """Start the /metrics HTTP endpoint once per process and port."""
    if port <= 0:
        return
    with _server_lock:
        if port in _servers:
            return
        start_http_server(port, addr=load_settings().metrics_host)
        _servers.add(port)
        log.info("metrics on :%s/metrics", port)


class Metrics(DependencyProvider):
    def __init__(self, serve: bool = True, gauges=None):
        self.serve = serve
        self.gauges = gauges  # fn(settings): the service's own gauges, on the probe timer
        self._started: dict = {}
        self._probe = None

    def setup(self):
        self.settings = load_settings()
        if self.serve:
            serve_metrics(self.settings.metrics_port(self.container.service_name))
        # Counters of every event handler start at 0, so the first dead letter is an increase
        # Prometheus sees (a series born at 1 has no increase) and alerts on.
        service = self.container.service_name
        for entrypoint in self.container.entrypoints:
            if isinstance(entrypoint, Consumer):
                for reason in DEAD_LETTER_REASONS:
                    DEAD_LETTERS.labels(service, entrypoint.method_name, reason)

    def start(self):
        self._probe = self.container.spawn_managed_thread(self._probe_forever)

    def stop(self):
        if self._probe is not None:
            self._probe.kill()
            self._probe = None

    kill = stop

    def _probe_forever(self):
        service = self.container.service_name
        while True:
            STORE_UP.labels(service).set(1 if _store_answers() else 0)
            BROKER_UP.labels(service).set(1 if _broker_answers(self.settings.amqp_uri) else 0)
            self._probe_outbox(service)
            if self.gauges is not None:
                try:
                    self.gauges(self.settings)
                except Exception:
                    log.warning("gauges of %s not refreshed", service, exc_info=True)
            eventlet.sleep(self.settings.metrics_probe_seconds)

    def _probe_outbox(self, service: str) -> None:
        """The outbox gauges from the store itself: the relay sets them after each sweep only
        once the process has written, so a service that has not written yet would show none."""
        from services.common.health import outbox_state
        try:
            record_outbox(service, *outbox_state(self.settings, service))
        except Exception:  # the store away: platform_store_up says so
            log.debug("outbox gauges of %s not refreshed", service, exc_info=True)

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()
        logs.bind_worker(worker_ctx)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        service = self.container.service_name
        kind = kind_of(worker_ctx.entrypoint)
        entrypoint = worker_ctx.entrypoint.method_name
        if exc_info is None:
            outcome = "ok"
        elif isinstance(exc_info[1], PlatformError):
            outcome = "rejected"
        else:
            outcome = "error"
        ENTRYPOINT_CALLS.labels(service, kind, entrypoint, outcome).inc()
        if started is not None:
            seconds = time.perf_counter() - started
            ENTRYPOINT_DURATION.labels(service, kind, entrypoint).observe(seconds)
            # one line per call: what `regionctl logs --correlation-id` follows across services
            log.info("%s %s %s in %.1f ms", kind, entrypoint, outcome, seconds * 1000)

    def worker_teardown(self, worker_ctx):
        self._started.pop(worker_ctx, None)
        logs.unbind()

    def get_dependency(self, worker_ctx):
        return self
