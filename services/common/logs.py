"""Log lines as JSON, one object a line, that follow a request across the services.

Every line carries ``time`` (UTC, ISO 8601), ``level``, ``service``, ``replica``
(``PLATFORM_REPLICA``), ``logger``, ``correlation_id``, ``event_id`` and ``message`` (plus
``exception`` when there is one). deploy/nameko.yaml installs ``JsonFormatter`` and
``ContextFilter`` on the handler. The ids come from the worker being served: ``Metrics`` (on every
service) calls ``bind_worker`` when a worker starts, so a line logged anywhere below an HTTP route,
an RPC or an event handler names the request's correlation id (it travels in the worker context
data over RPC and in the event envelope over the broker) and, for a handler, the event's id.
Code outside a worker (the outbox sweep) binds them itself with ``bound``.

``regionctl logs --correlation-id X`` reads these files back (see ``read_lines``).
"""
import json
import logging
import os
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

_context = threading.local()  # per green thread once eventlet has patched threading (nameko run)


def bind(correlation_id: str | None = None, event_id: str | None = None) -> None:
    _context.correlation_id = correlation_id
    _context.event_id = event_id


def unbind() -> None:
    bind(None, None)


@contextmanager
def bound(correlation_id: str | None = None, event_id: str | None = None):
    previous = current()
    bind(correlation_id, event_id)
    try:
        yield
    finally:
        bind(*previous)


def current() -> tuple[str | None, str | None]:
    return getattr(_context, "correlation_id", None), getattr(_context, "event_id", None)


def bind_worker(worker_ctx) -> None:
    """The ids of the request or event a worker serves (an event handler's first argument is the
    envelope)."""
    correlation_id = worker_ctx.data.get("correlation_id")
    event_id = None
    envelope = worker_ctx.args[0] if worker_ctx.args else None
    if isinstance(envelope, dict) and "event_id" in envelope and "event_type" in envelope:
        event_id = envelope.get("event_id")
        correlation_id = correlation_id or envelope.get("correlation_id")
    bind(correlation_id, event_id)


def service_name() -> str:
    """The service this process runs: ``nameko run … services.<name>.service:…``."""
    for arg in sys.argv[1:]:
        if arg.startswith("services.") and ":" in arg:
            return arg.split(".")[1]
    return os.environ.get("PLATFORM_SERVICE") or os.path.basename(sys.argv[0] or "platform")


class ContextFilter(logging.Filter):
    """Adds service, replica, correlation_id and event_id to every record."""

    def __init__(self, name: str = ""):
        super().__init__(name)
        self.service = service_name()
        self.replica = os.environ.get("PLATFORM_REPLICA") or "1"

    def filter(self, record):
        record.service = self.service
        record.replica = self.replica
        if not hasattr(record, "correlation_id"):
            record.correlation_id, record.event_id = current()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "service": getattr(record, "service", None),
            "replica": getattr(record, "replica", None),
            "logger": record.name,
            "correlation_id": getattr(record, "correlation_id", None),
            "event_id": getattr(record, "event_id", None),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def read_lines(log_dir: str, correlation_id: str) -> list[dict]:
    """Every JSON line of every ``*.log`` under ``log_dir`` (all services, all replicas) with that
    correlation id, oldest first. Lines that are not JSON (a crash's traceback) are skipped."""
    found = []
    needle = f'"correlation_id": "{correlation_id}"'
    for name in sorted(os.listdir(log_dir)) if os.path.isdir(log_dir) else []:
        if not name.endswith(".log"):
            continue
        with open(os.path.join(log_dir, name), encoding="utf-8", errors="replace") as f:
            for raw in f:
                if needle not in raw:  # cheap filter before parsing
                    continue
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue
                if line.get("correlation_id") == correlation_id:
                    found.append(line)
    found.sort(key=lambda line: line.get("time") or "")
    return found
