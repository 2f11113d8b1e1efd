"""Probes of the platform's components: does the store answer, can the broker be reached, how far
behind is a service's outbox. Used by the metrics probe and ``regionctl status``."""
from datetime import datetime

from kombu import Connection

from services.common.mongo import get_client
from services.common.outbox import POINTERS


def store_answers() -> bool:
    try:
        get_client().admin.command("ping")
        return True
    except Exception:
        return False


def broker_answers(amqp_uri: str) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def outbox_state(settings, service: str) -> tuple[int, datetime | None]:
    """(pointers in the service's outbox, when the oldest was written) read from its store."""
    pointers = get_client()[settings.database_name(service)][POINTERS]
    backlog = pointers.count_documents({})
    oldest = next(iter(pointers.find({}, {"created_at": 1}).sort("created_at", 1).limit(1)), None)
    return backlog, (oldest or {}).get("created_at")
