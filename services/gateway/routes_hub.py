"""The hub: consumes every domain event into the coordination journal and the region read models,
and serves the journal, region scorecards, SRS values and the reporting calendar."""
from datetime import datetime, timezone

from eventlet.semaphore import Semaphore

from services.common.consuming import subscribe
from services.common import clock
from services.common.errors import NotFound, ValidationFailed
from services.common.regions import REGION_CODES, is_region
from services.gateway import contracts  # noqa: F401  (registers every event schema)
from services.gateway import policy
from services.gateway.base import GatewayBase
from services.gateway.http import api, read_json
from services.gateway.hub_reactions import HubReactions
from services.gateway.hub_calendar import calendar_entry, reporting_deadline
from services.gateway.hub_scorecards import region_scorecard, rollup
from services.gateway.hub_schemas import (CalendarQuery, CalendarSchema, ScorecardListSchema,
                                          ScorecardSchema, SrsRecordSchema,
                                          SrsRecordWithHistorySchema, SrsValuesSchema)
from services.gateway.hub_settings import load_hub_config
from services.gateway.routes_settlements import settlement_srs_by_region
from services.gateway.schemas import JournalPageSchema, JournalQuery, load_body, load_query

TAGS = ("hub",)


def today_utc():
    """Today on the civil calendar (UTC+5), as every hub deadline is counted."""
    return clock.civil_today()


def known_region(code: str) -> str:
    if not is_region(code):
        raise NotFound(f"no region with code {code}", {"code": code})
    return code


_READ_MODEL_LOCK = Semaphore(1)

class HubRoutes(GatewayBase):

    def _hub_reactions(self) -> HubReactions:
        return HubReactions(self.hub_models, self.initiatives, load_hub_config())

    @subscribe()
    def record_event(self, envelope):
        # Journal first, then the read models and initiatives. Each step is idempotent on its own,
        # so a redelivery after a crash between them completes the work without doubling it (the
        # read models are updated even when the journal already had the event).
        self.journal.record(envelope)
        # One read-model update at a time in this process: FerretDB 1.24 applies an update as
        # read-then-write outside a transaction, so two handlers updating the same region's or
        # project's document at once can lose one change (MongoDB does not need this).
        with _READ_MODEL_LOCK:
            self._hub_reactions().on_event(envelope)

    @api("GET", "/api/v1/hub/journal", permission=("hub", "read"), tags=TAGS,
         summary="Coordination journal: every domain event the hub received",
         query=JournalQuery, response=JournalPageSchema)
    def get_journal(self, request):
        query = load_query(JournalQuery(), request.args)
        regions = policy.region_filter(request.principal, "hub")
        if query.get("region"):
            policy.authorize(request.principal, "hub", "read", query["region"])
            regions = {query["region"]}
        items, total = self.journal.query(
            region_codes=regions, source=query.get("source"), event_type=query.get("type"),
            correlation_id=query.get("correlation_id"), since=query.get("since"),
            until=query.get("until"), limit=query["limit"], offset=query["offset"])
        # payloads are the services' published contracts; redact anyway, so a personal field
        # a future event might carry is masked like everywhere else
        return {"items": policy.redact(request.principal, "hub", items), "total": total,
                "limit": query["limit"], "offset": query["offset"]}

    # -- scorecards ------------------------------------------------------------------------------
    def _scorecard_facts(self, codes, today):
        facts = self.hub_models.region_facts(codes, today)
        counts = self.initiatives.counts_by_region(codes)
        derived = settlement_srs_by_region(self.settlements, self.srs_assessments, codes, today)
        for code, region_facts in facts.items():
            region_facts.initiatives_by_status = counts.get(code, {})
            # once a region's settlements are assessed, its SRS figures are their roll-up
            region_facts.srs = derived.get(code) or region_facts.srs
        return facts

    @api("GET", "/api/v1/hub/scorecards", permission=("hub", "read"), tags=TAGS,
         summary="Scorecards of every region the caller may see, with their rollup",
         response=ScorecardListSchema)
    def hub_scorecards(self, request):
        allowed = policy.region_filter(request.principal, "hub")
        codes = list(REGION_CODES) if allowed is None else sorted(allowed)
        today, config = today_utc(), load_hub_config()
        facts = self._scorecard_facts(codes, today)
        return {"items": [region_scorecard(facts[code], today, config) for code in codes],
                "rollup": rollup([facts[code] for code in codes], today,
                                 national=allowed is None, config=config)}

    @api("GET", "/api/v1/hub/scorecards/<string:region>", permission=("hub", "read"),
         tags=TAGS, summary="Scorecard of one region beside the Concept's 2030 targets",
         response=ScorecardSchema)
    def hub_region_scorecard(self, request, region):
        policy.authorize(request.principal, "hub", "read", known_region(region))
        today = today_utc()
        facts = self._scorecard_facts([region], today)
        return region_scorecard(facts[region], today, load_hub_config())

    # -- SRS values ------------------------------------------------------------------------------
    @api("PUT", "/api/v1/hub/regions/<string:code>/srs", permission=("hub.srs", "write"),
         tags=TAGS, summary="Record a region's current SRS provision with its source and date",
         body=SrsValuesSchema, response=SrsRecordSchema)
    def hub_put_srs(self, request, code):
        policy.authorize(request.principal, "hub.srs", "write", known_region(code))
        values = load_body(SrsValuesSchema(), read_json(request))
        if values["as_of"] > today_utc():
            raise ValidationFailed("invalid SRS values", {"as_of": ["must not be in the future"]})
        record = self.hub_models.put_srs(code, values, by=request.principal.subject,
                                         now=datetime.now(timezone.utc))
        return SrsRecordSchema().dump(record)

    @api("GET", "/api/v1/hub/regions/<string:code>/srs", permission=("hub", "read"), tags=TAGS,
         summary="A region's recorded SRS provision and the history of its records",
         response=SrsRecordWithHistorySchema, responses={404: "no SRS values recorded yet"})
    def hub_get_srs(self, request, code):
        policy.authorize(request.principal, "hub", "read", known_region(code))
        record = self.hub_models.get_srs(code)
        if record is None:
            raise NotFound(f"no SRS values recorded for {code}", {"code": code})
        record["history"] = self.hub_models.srs_history(code)
        return SrsRecordWithHistorySchema().dump(record)

    # -- reporting calendar ----------------------------------------------------------------------
    @api("GET", "/api/v1/hub/reporting-calendar", permission=("hub", "read"), tags=TAGS,
         summary="Annual-report deadlines (1 April of the next year) of every region and status",
         query=CalendarQuery, response=CalendarSchema)
    def hub_reporting_calendar(self, request):
        query = load_query(CalendarQuery(), request.args)
        today, config = today_utc(), load_hub_config()
        year = query.get("year", today.year - 1)
        allowed = policy.region_filter(request.principal, "hub")
        codes = list(REGION_CODES) if allowed is None else sorted(allowed)
        reports = self.hub_models.reports_for_years([year])
        submitted = self.hub_models.submissions_for_years([year])
        items = [calendar_entry(code, year, reports.get((code, year)), today, config,
                                submission=submitted.get((code, year))) for code in codes]
        by_status: dict[str, int] = {}
        for item in items:
            by_status[item["status"]] = by_status.get(item["status"], 0) + 1
        return CalendarSchema().dump({"reporting_year": year, "today": today,
                                      "due_date": reporting_deadline(year, config),
                                      "items": items, "by_status": by_status})
