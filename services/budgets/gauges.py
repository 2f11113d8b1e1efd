"""The budgets service's gauges, refreshed on the metrics probe timer (``Metrics(gauges=…)``):
when the last budget import ended and how (completed, rejected, failed, abandoned)."""
from datetime import timezone

from services.common import metrics
from services.common.mongo import get_client
from services.budgets.repository_imports import ImportRepository


def refresh(settings) -> None:
    imports = get_client()[settings.database_name("budgets")][ImportRepository.collection_name]
    last = next(iter(imports.find({"finished_at": {"$ne": None}}, {"state": 1, "finished_at": 1})
                     .sort("finished_at", -1).limit(1)), None)
    if last is None:
        return
    finished = last["finished_at"]
    if finished.tzinfo is None:  # the store hands back naive UTC
        finished = finished.replace(tzinfo=timezone.utc)
    metrics.set_gauge_family(metrics.LAST_IMPORT, {(last["state"],): finished.timestamp()})
