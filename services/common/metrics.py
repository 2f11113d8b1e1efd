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

import eventlet
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import start_http_server

from services.common import logs, probes
from services.common.config import load_settings
from services.common.errors import PlatformError
from services.common.instruments import (
    BROKER_UP,
    DEAD_LETTER_REASONS,
    DEAD_LETTERS,
    ENTRYPOINT_CALLS,
    ENTRYPOINT_DURATION,
    STORE_UP,
    record_outbox,
)

log = logging.getLogger(__name__)

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
            STORE_UP.labels(service).set(1 if probes.store_answers() else 0)
            BROKER_UP.labels(service).set(1 if probes.broker_answers(self.settings.amqp_uri) else 0)
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
        try:
            record_outbox(service, *probes.outbox_state(self.settings, service))
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
