"""The hub: consumes every domain event into the coordination journal and the region read models,
and serves the journal, region scorecards, SRS values and the reporting calendar."""
from datetime import datetime, timezone

import eventlet
from nameko.timer import Timer

from services.common import clock
from services.common.config import seconds_setting
from services.common.errors import NotFound, ValidationFailed
from services.common.loading import load, load_query
from services.common.regions import REGION_CODES, is_region
from services.gateway.access import policy
from services.gateway.edge.http import INVALID_BODY, read_json
from services.gateway.edge.schemas import JournalQuery
from services.gateway.hub.calendar import calendar_entry, reporting_deadline
from services.gateway.hub.journal_views import journal_view
from services.gateway.hub.reactions import HubReactions
from services.gateway.hub.schemas import (
    CalendarQuery,
    CalendarSchema,
    SrsRecordSchema,
    SrsRecordWithHistorySchema,
    SrsValuesSchema,
)
from services.gateway.hub.scorecards import region_scorecard, rollup
from services.gateway.hub.settings import load_hub_settings
from services.gateway.routes import project_reads
from services.gateway.routes.settlements import settlement_srs_by_region

TAGS = ("hub",)


def today_utc():
    """Today on the civil calendar (UTC+5), as every hub deadline is counted."""
    return clock.civil_today()


def known_region(code: str) -> str:
    if not is_region(code):
        raise NotFound(f"no region with code {code}", {"code": code})
    return code


def _hub_reactions(svc) -> HubReactions:
    return HubReactions(svc.hub_models, svc.initiatives, load_hub_settings())


def record_event(svc, envelope):
    # The journal entry and the read models and initiatives are written at the same time (one
    # store round trip of latency instead of two); the message is acked only once both returned.
    # Each is idempotent on its own, so a redelivery after a crash between them completes the
    # work without doubling it (the read models are updated even when the journal had the event).
    # Handlers run concurrently, in this process as across gateway replicas: FerretDB's
    # read-then-write updates lose nothing because every update carries the storage revision
    # and is retried when refused (services.common.guarded), so no process-wide lock is needed.
    journal = eventlet.spawn(svc.journal.record, envelope)
    # a project event makes an older copy of the project unservable (routes/project_reads.py)
    copies = eventlet.spawn(project_reads.note_event, svc, envelope)
    try:
        _hub_reactions(svc).on_event(envelope)
    finally:
        journal.wait()  # raises the journal's error: the message is retried
        copies.wait()


def get_journal(svc, request):
    query = load_query(JournalQuery(), request.args)
    regions = policy.region_filter(request.principal, "hub")
    if query.get("region"):
        policy.authorize(request.principal, "hub", "read", query["region"])
        regions = {query["region"]}
    items, total = svc.journal.query(
        region_codes=regions, source=query.get("source"), event_type=query.get("type"),
        correlation_id=query.get("correlation_id"), since=query.get("since"),
        until=query.get("until"), limit=query["limit"], offset=query["offset"])
    # a payload only for a caller who may read its source's resource there, and then with that
    # resource's field rules; personnel payloads are personal data: no cache keeps the journal
    return 200, {"Cache-Control": "no-store"}, {
        "items": journal_view(request.principal, items), "total": total,
        "limit": query["limit"], "offset": query["offset"]}


# -- scorecards ------------------------------------------------------------------------------
def _scorecard_facts(svc, codes, today):
    facts = svc.hub_models.region_facts(codes, today)
    counts = svc.initiatives.counts_by_region(codes)
    derived = settlement_srs_by_region(svc.settlements, svc.srs_assessments, codes, today)
    for code, region_facts in facts.items():
        region_facts.initiatives_by_status = counts.get(code, {})
        # once a region's settlements are assessed, its SRS figures are their roll-up
        region_facts.srs = derived.get(code) or region_facts.srs
    return facts


def hub_scorecards(svc, request):
    allowed = policy.region_filter(request.principal, "hub")
    codes = list(REGION_CODES) if allowed is None else sorted(allowed)
    today, config = today_utc(), load_hub_settings()
    facts = _scorecard_facts(svc, codes, today)
    return {"items": [region_scorecard(facts[code], today, config) for code in codes],
            "rollup": rollup([facts[code] for code in codes], today,
                             national=allowed is None, config=config)}


def hub_region_scorecard(svc, request, region):
    policy.authorize(request.principal, "hub", "read", known_region(region))
    today = today_utc()
    facts = _scorecard_facts(svc, [region], today)
    return region_scorecard(facts[region], today, load_hub_settings())


class TotalsTimer(Timer):
    """Recomputes the region totals marked dirty (hub/region_totals_repository.py) every
    ``HUB_TOTALS_INTERVAL_SECONDS`` (default 2), read when the service starts, so that a read
    rarely finds its region dirty. Replicas may recompute the same region: the store keeps the
    newest computation, and the work is bounded by the 20 regions."""

    def __init__(self, interval=None, **kwargs):
        super().__init__(interval, **kwargs)

    def setup(self):
        self.interval = totals_interval_seconds()
        super().setup()


def totals_interval_seconds() -> float:
    return seconds_setting("HUB_TOTALS_INTERVAL_SECONDS", 2, 0.01, 86400)


totals_timer = TotalsTimer.decorator


def hub_refresh_region_totals(svc) -> list[str]:
    return svc.hub_models.region_totals.refresh_dirty()


# -- SRS values ------------------------------------------------------------------------------
def hub_put_srs(svc, request, code):
    policy.authorize(request.principal, "hub.srs", "write", known_region(code))
    values = load(SrsValuesSchema, read_json(request), message=INVALID_BODY)
    if values["as_of"] > today_utc():
        raise ValidationFailed("invalid SRS values", {"as_of": ["must not be in the future"]})
    record = svc.hub_models.put_srs(code, values, by=request.principal.subject,
                                     now=datetime.now(timezone.utc))
    return SrsRecordSchema().dump(record)


def hub_get_srs(svc, request, code):
    policy.authorize(request.principal, "hub", "read", known_region(code))
    record = svc.hub_models.get_srs(code)
    if record is None:
        raise NotFound(f"no SRS values recorded for {code}", {"code": code})
    record["history"] = svc.hub_models.srs_history(code)
    return SrsRecordWithHistorySchema().dump(record)


# -- reporting calendar ----------------------------------------------------------------------
def hub_reporting_calendar(svc, request):
    query = load_query(CalendarQuery(), request.args)
    today, config = today_utc(), load_hub_settings()
    year = query.get("year", today.year - 1)
    allowed = policy.region_filter(request.principal, "hub")
    codes = list(REGION_CODES) if allowed is None else sorted(allowed)
    reports = svc.hub_models.reports_for_years([year])
    submitted = svc.hub_models.submissions_for_years([year])
    items = [calendar_entry(code, year, reports.get((code, year)), today, config,
                            submission=submitted.get((code, year))) for code in codes]
    by_status: dict[str, int] = {}
    for item in items:
        by_status[item["status"]] = by_status.get(item["status"], 0) + 1
    return CalendarSchema().dump({"reporting_year": year, "today": today,
                                  "due_date": reporting_deadline(year, config),
                                  "items": items, "by_status": by_status})
