"""Health, metrics and reference data."""
import eventlet
from kombu import Connection
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from services.common.config import load_settings
from services.common.errors import NotFound, PlatformError
from services.common.regions import REGIONS, region_as_dict
from services.gateway.base import GatewayBase
from services.gateway.health_cache import HealthCache
from services.gateway.http import api

DOMAIN_SERVICES = ("investments", "budgets", "personnel")
HEALTH_TIMEOUT_SECONDS = 3.0


class PlatformRoutes(GatewayBase):
    health_cache = HealthCache()

    @api("GET", "/health", public=True, tags=("platform",),
         summary="Health of every service, the broker and the store (200 only when all are up)",
         responses={503: "a component is down; the body names it"})
    def health(self, request):
        return self.health_cache.get(self._probe_health)

    def _probe_health(self):
        checks = {}
        pool = eventlet.GreenPool()
        for name, status in pool.imap(self._service_health, DOMAIN_SERVICES):
            checks[name] = status
        checks["rabbitmq"] = _broker_status()
        checks["store"] = {"status": "up" if self.journal.ping() else "down"}
        healthy = all(c["status"] == "up" for c in checks.values())
        return (200 if healthy else 503), {"status": "up" if healthy else "down",
                                           "components": checks}

    def _service_health(self, name):
        proxy = getattr(self, name)
        try:
            with eventlet.Timeout(HEALTH_TIMEOUT_SECONDS):
                answer = proxy.health()
            return name, {"status": "up" if answer.get("store") == "up" else "down", **answer}
        except (PlatformError, eventlet.Timeout) as exc:
            return name, {"status": "down", "reason": str(exc)}

    @api("GET", "/metrics", public=True, tags=("platform",),
         summary="Prometheus metrics of the gateway (text exposition format)")
    def metrics_endpoint(self, request):
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @api("GET", "/api/v1/regions", permission=("regions", "read"), tags=("regions",),
         summary="The 20 regions (ISO 3166-2:KZ) with their centres and agglomerations")
    def list_regions(self, request):
        return {"items": [region_as_dict(r) for r in REGIONS.values()], "total": len(REGIONS)}

    @api("GET", "/api/v1/regions/<string:code>", permission=("regions", "read"), tags=("regions",),
         summary="One region by its ISO 3166-2:KZ code", responses={404: "no such region"})
    def get_region(self, request, code):
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
