"""The gateway's gauges, refreshed on the metrics probe timer (``Metrics(gauges=…)``), never per
request: queue depth and consumers of the platform's queues (the broker's management API), and the
business picture from the hub's read models (projects by stage and region, rotations by state,
open initiatives by rule, overdue 1 April reports), counted by ``gauges_repository``.

A 1 April report counts when a person submitted it (the hub's report store), never because a
report was generated; "today" is the civil day (UTC+5) and the deadline the hub's calendar, as in
the overdue-report rule, so the gauge and the initiatives agree.
"""
import logging
from datetime import date

from services.common import clock
from services.common import instruments as metrics
from services.common.mongo import get_client
from services.common.regions import REGIONS
from services.gateway.hub.calendar import reporting_deadline
from services.gateway.hub.gauges_repository import GaugeCounts
from services.gateway.hub.rules import DEFAULT_SETTINGS, HubSettings
from services.gateway.hub.settings import load_hub_settings

log = logging.getLogger(__name__)

def overdue_reports(submitted_regions: set[str], today: date,
                    config: HubSettings = DEFAULT_SETTINGS) -> int:
    """Regions that have not submitted their 1 April report on the last closed year once its
    deadline (the hub's calendar) has passed by the civil day ``today``."""
    if today <= reporting_deadline(today.year - 1, config):
        return 0
    return len(set(REGIONS) - submitted_regions)


def refresh(settings) -> None:
    # imported here, off the start: broker_api brings requests and urllib3, a tenth of the
    # gateway's import time, and the first refresh comes after the gateway answers
    from services.common import broker_api
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
    today = clock.civil_today()
    metrics.OVERDUE_REPORTS.set(overdue_reports(counts.submitted_regions(today.year - 1), today,
                                                load_hub_settings()))
