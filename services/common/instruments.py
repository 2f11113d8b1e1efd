"""The platform's Prometheus instruments: every metric, its labels, and the small functions that
record them. Bounded labels only: route templates, never raw paths, and no ids.

Kept apart from the ``Metrics`` dependency (services.common.metrics) so that the outbox, the
consumer and the RPC client record into them without importing the probes that read the store.
"""
from datetime import datetime, timezone

from prometheus_client import Counter, Gauge, Histogram

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
