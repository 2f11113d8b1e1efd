"""The gateway's gauges, refreshed on the metrics probe timer (``Metrics(gauges=…)``), never per
request: queue depth and consumers of the platform's queues (the broker's management API), and the
business picture from the hub's read models (projects by stage and region, rotations by state,
open initiatives by rule, overdue annual reports). Each refresh is a handful of single-accumulator
``$group`` counts over small read-model collections (FerretDB computes one accumulator correctly).
"""
import logging
from datetime import date

from services.common import broker_api, metrics
from services.common.mongo import get_client
from services.common.regions import REGIONS
from services.gateway.hub.projections_repository import PROJECTS, REPORTS, ROTATIONS
from services.gateway.hub.rules import ACTIVE_STATUSES

log = logging.getLogger(__name__)

INITIATIVES = "hub_initiatives"
REPORT_DUE_MONTH_DAY = (4, 1)  # an annual report is due by 1 April of the following year


def _counts(collection, key_fields: dict, match: dict | None = None) -> dict[tuple, int]:
    pipeline = ([{"$match": match}] if match else []) + [
        {"$group": {"_id": key_fields, "n": {"$sum": 1}}}]
    counts = {}
    for row in collection.aggregate(pipeline):
        key = tuple(str(row["_id"].get(name) or "unknown") for name in key_fields)
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


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
    db = get_client()[settings.database_name("gateway")]
    metrics.set_gauge_family(metrics.PROJECTS, _counts(
        db[PROJECTS], {"stage": "$stage", "region": "$region_code"}))
    metrics.set_gauge_family(metrics.ROTATIONS, _counts(db[ROTATIONS], {"state": "$status"}))
    metrics.set_gauge_family(metrics.OPEN_INITIATIVES, _counts(
        db[INITIATIVES], {"rule": "$kind"}, {"status": {"$in": list(ACTIVE_STATUSES)}}))
    today = date.today()
    reported = {doc["region_code"] for doc in db[REPORTS].find(
        {"reporting_year": today.year - 1}, {"region_code": 1, "_id": 0})}
    metrics.OVERDUE_REPORTS.set(overdue_reports(reported, today))
