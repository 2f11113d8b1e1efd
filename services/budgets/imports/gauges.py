"""The budgets service's gauges, refreshed on the metrics probe timer (``Metrics(gauges=…)``):
when the last budget import ended and how (completed, rejected, failed, abandoned)."""
from datetime import timezone

from services.budgets.imports.repository import last_finished_import
from services.common import instruments as metrics
from services.common.mongo import get_client


def refresh(settings) -> None:
    last = last_finished_import(get_client()[settings.database_name("budgets")])
    if last is None:
        return
    finished = last["finished_at"]
    if finished.tzinfo is None:  # the store hands back naive UTC
        finished = finished.replace(tzinfo=timezone.utc)
    metrics.set_gauge_family(metrics.LAST_IMPORT, {(last["state"],): finished.timestamp()})
