"""The gateway's gauges, refreshed on the metrics probe timer (``Metrics(gauges=…)``), never per
request: queue depth and consumers of the platform's queues (the broker's management API), and the
business picture from the hub's read models (projects by stage and region, rotations by state,
open initiatives by rule, overdue annual reports), counted by ``gauges_repository``.
"""
import logging
from datetime import date

from services.common import broker_api
from services.common import instruments as metrics
from services.common.mongo import get_client
from services.common.regions import REGIONS
from services.gateway.hub.gauges_repository import GaugeCounts

log = logging.getLogger(__name__)

REPORT_DUE_MONTH_DAY = (4, 1)  # an annual report is due by 1 April of the following year


def overdue_reports(reported_regions: set[str], today: date) -> int:
    """Regions without their annual report for the last closed year once 1 April has passed."""
    if (today.month, today.day) < REPORT_DUE_MONTH_DAY:
        return 0
    return len(set(REGIONS) - reported_regions)


def refresh(settings) -> None:
    try:
        stats = broker_api.queues(settings)
    except Exception as exc:  # the API away: leave the last values, say why once per refresh
        log.warning("queue gauges not refreshed: %s", exc)
    else:
        metrics.set_gauge_family(metrics.QUEUE_MESSAGES, {
            **{(q["name"], "ready"): q["ready"] for q in stats},
            **{(q["name"], "unacked"): q["unacked"] for q in stats}})
        metrics.set_gauge_family(metrics.QUEUE_CONSUMERS,
                                 {(q["name"],): q["consumers"] for q in stats})
    counts = GaugeCounts(get_client()[settings.database_name("gateway")])
    metrics.set_gauge_family(metrics.PROJECTS, counts.projects_by_stage_and_region())
    metrics.set_gauge_family(metrics.ROTATIONS, counts.rotations_by_state())
    metrics.set_gauge_family(metrics.OPEN_INITIATIVES, counts.open_initiatives_by_rule())
    today = date.today()
    metrics.OVERDUE_REPORTS.set(overdue_reports(counts.reported_regions(today.year - 1), today))
