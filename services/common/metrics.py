"""Prometheus metrics for every service, and the nameko dependency that records them.

``Metrics()`` on a service class counts every entrypoint call by outcome and times it, without a
line in the entrypoints themselves. Each domain service serves ``/metrics`` on its own port
(``<SERVICE>_METRICS_PORT``); the gateway serves it on its API port.
"""
import logging
import threading
import time

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from services.common.config import load_settings
from services.common.errors import PlatformError

log = logging.getLogger(__name__)

ENTRYPOINT_CALLS = Counter(
    "platform_entrypoint_calls_total", "Entrypoint calls by outcome",
    ["service", "entrypoint", "outcome"])  # outcome: ok | rejected (domain error) | error
ENTRYPOINT_DURATION = Histogram(
    "platform_entrypoint_duration_seconds", "Entrypoint duration", ["service", "entrypoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_PUBLISHED = Counter(
    "platform_events_published_total", "Events confirmed by the broker", ["source", "event_type"])
EVENTS_HANDLED = Counter(
    "platform_events_handled_total", "Events consumed by outcome",
    ["service", "handler", "outcome"])  # ok | retried | dead_lettered | duplicate
DEAD_LETTERS = Counter(
    "platform_dead_letters_total", "Messages moved to the dead-letter queue",
    ["service", "handler", "reason"])
OUTBOX_BACKLOG = Gauge(
    "platform_outbox_backlog", "Outbox pointers not yet fully published", ["service"])
RPC_TIMEOUTS = Counter(
    "platform_rpc_timeouts_total", "RPC calls that got no answer in time", ["caller", "target"])

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
    def __init__(self, serve: bool = True):
        self.serve = serve
        self._started: dict = {}

    def setup(self):
        if self.serve:
            serve_metrics(load_settings().metrics_port(self.container.service_name))

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        service = self.container.service_name
        entrypoint = worker_ctx.entrypoint.method_name
        if exc_info is None:
            outcome = "ok"
        elif isinstance(exc_info[1], PlatformError):
            outcome = "rejected"
        else:
            outcome = "error"
        ENTRYPOINT_CALLS.labels(service, entrypoint, outcome).inc()
        if started is not None:
            ENTRYPOINT_DURATION.labels(service, entrypoint).observe(time.perf_counter() - started)

    def worker_teardown(self, worker_ctx):
        self._started.pop(worker_ctx, None)

    def get_dependency(self, worker_ctx):
        return self
