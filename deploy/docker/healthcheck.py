"""Container health check: the service's /metrics endpoint answers with 200.

A domain service serves /metrics on <SERVICE>_METRICS_PORT (9101, 9102, 9103 by default); the
gateway serves it on its API port (GATEWAY_PORT, 8000). The check stays local to the container on
purpose: whether the broker or the store is up is the gateway's /health report, not a reason to
restart a container.
"""
import os
import sys
import urllib.request

DEFAULT_METRICS_PORTS = {"investments": 9101, "budgets": 9102, "personnel": 9103}


def metrics_port(service: str) -> int:
    if service == "gateway":
        return int(os.environ.get("GATEWAY_PORT") or 8000)
    return int(os.environ.get(f"{service.upper()}_METRICS_PORT") or DEFAULT_METRICS_PORTS[service])


def main() -> int:
    service = os.environ.get("SERVICE", "gateway")
    url = f"http://127.0.0.1:{metrics_port(service)}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except (OSError, KeyError, ValueError) as exc:
        print(f"healthcheck {service}: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
