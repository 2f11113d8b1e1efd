"""Health, metrics and reference data."""
import eventlet
from kombu import Connection
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from services.common.config import load_settings
from services.common.errors import NotFound, PlatformError
from services.common.regions import REGIONS, region_as_dict

DOMAIN_SERVICES = ("investments", "budgets", "personnel")
HEALTH_TIMEOUT_SECONDS = 3.0


def health(svc, request):
    return svc.health_cache.get(lambda: _probe_health(svc))  # edge/health_cache.py


def _probe_health(svc):
    checks = {}
    pool = eventlet.GreenPool()
    for name, status in pool.imap(lambda name: _service_health(svc, name), DOMAIN_SERVICES):
        checks[name] = status
    checks["rabbitmq"] = _broker_status()
    checks["store"] = {"status": "up" if svc.journal.ping() else "down"}
    healthy = all(c["status"] == "up" for c in checks.values())
    return (200 if healthy else 503), {"status": "up" if healthy else "down",
                                       "components": checks}


def _service_health(svc, name):
    proxy = getattr(svc, name)
    try:
        with eventlet.Timeout(HEALTH_TIMEOUT_SECONDS):
            answer = proxy.health()
        return name, {"status": "up" if answer.get("store") == "up" else "down", **answer}
    except (PlatformError, eventlet.Timeout) as exc:
        return name, {"status": "down", "reason": str(exc)}


def metrics_endpoint(svc, request):
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


def list_regions(svc, request):
    return {"items": [region_as_dict(r) for r in REGIONS.values()], "total": len(REGIONS)}


def get_region(svc, request, code):
    region = REGIONS.get(code)
    if region is None:
        raise NotFound(f"no region with code {code}", {"code": code})
    return region_as_dict(region)


def _broker_status() -> dict:
    try:
        with Connection(load_settings().amqp_uri, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return {"status": "up"}
    except Exception as exc:
        return {"status": "down", "reason": type(exc).__name__}
