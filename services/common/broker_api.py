"""What the broker's management API says about the platform's queues (depth, consumers).

Used by the gateway's queue gauges and by ``regionctl status``. Only the platform's own queues
(the topology's, and the services' RPC queues) are reported: reply queues carry ids in their
names and would make unbounded metric labels.
"""
from urllib.parse import quote, unquote, urlsplit

import requests

from services.common import topology

TIMEOUT_SECONDS = 3.0


def vhost_of(amqp_uri: str) -> str:
    path = urlsplit(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def platform_queue_names() -> set[str]:
    names = {item.name for item in topology.all_declarations() if hasattr(item, "queue_arguments")}
    return names | {f"rpc-{service}" for service in ("investments", "budgets", "personnel")}


def queues(settings) -> list[dict]:
    """[{name, ready, unacked, consumers}] of the platform's queues in the service's vhost."""
    api = settings.rabbit_api_uri.rstrip("/")
    parts = urlsplit(api)
    auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}{parts.path}"
    answer = requests.get(
        f"{base}/api/queues/{quote(vhost_of(settings.amqp_uri), safe='')}",
        params={"columns": "name,messages_ready,messages_unacknowledged,consumers"},
        auth=auth, timeout=TIMEOUT_SECONDS)
    answer.raise_for_status()
    wanted = platform_queue_names()
    return [{"name": q["name"], "ready": q.get("messages_ready") or 0,
             "unacked": q.get("messages_unacknowledged") or 0, "consumers": q.get("consumers") or 0}
            for q in answer.json() if q["name"] in wanted]
