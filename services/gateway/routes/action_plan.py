"""The Concept Action Plan tracker and the hub's assumptions over HTTP.

- measures: list (central ones and those of the caller's regions), enter one, change its status
  with evidence (who and when kept per piece), one measure;
- target indicators: list, enter one (baseline and targets), record an actual for a year (judged
  against the expected value at once);
- checks: overdue measures and off-track indicators open initiatives (idempotent cause keys), on
  the hub's timer and on demand; completing a measure or an on-track actual resolves its
  initiative;
- ``GET /api/v1/hub/assumptions``: every assumed rule with its value and rationale.

Region scope: a local measure or regional indicator belongs to its region; a central one (region
null) is national work: only national roles write it, every hub reader sees it.
"""
from __future__ import annotations

import logging

from services.common import clock
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.mongo import Store
from services.gateway import policy
from services.gateway.base import GatewayBase
from services.gateway.http import api, read_json
from services.gateway.hub.action_plan import (DEFAULT_ACTION_PLAN_CONFIG, DONE, INDICATOR_OFF_TRACK,
                                              MEASURE_OVERDUE, ActualInSchema, IndicatorInSchema,
                                              MeasureChangeSchema, MeasureInSchema,
                                              change_measure, indicator_key, indicator_view,
                                              demo_seed, demo_source, judge_actual,
                                              manual_source, new_indicator,
                                              new_measure, off_track_indicator_proposals,
                                              overdue_measure_proposals, tracker_assumptions)
from services.gateway.hub.action_plan_repository import (ActionIndicatorRepository,
                                                         ActionMeasureRepository)
from services.gateway.hub.assumptions import hub_assumptions
from services.gateway.hub_initiative_routes import check_timer
from services.gateway.hub_rules import SYSTEM_ACTOR
from services.gateway.hub_settings import load_hub_config
from services.gateway.routes.action_plan_schemas import (ActionChecksSchema, AssumptionListSchema,
                                                         DemoSeedSchema, IndicatorListSchema,
                                                         IndicatorSchema,
                                                         MeasureListSchema, MeasureQuery,
                                                         MeasureSchema)
from services.gateway.schemas import load_body, load_query

log = logging.getLogger(__name__)
TAGS = ("hub", "action plan")
BAD_INPUT = "invalid input; details map each bad field to its reasons"


def _write_scope(principal, region_code):
    """A central item (no region) is national work: ``authorize`` with region None refuses a
    region-scoped credential, as it should."""
    policy.authorize(principal, "hub.action_plan", "write", region_code)


class ActionPlanRoutes(GatewayBase):
    action_measures = Store(ActionMeasureRepository)
    action_indicators = Store(ActionIndicatorRepository)

    # -- assumptions ------------------------------------------------------------------------------
    @api("GET", "/api/v1/hub/assumptions", permission=("hub", "read"), tags=("hub",),
         response=AssumptionListSchema,
         summary="Every assumed rule of the hub with its value, rationale and where it applies")
    def hub_assumptions(self, request):
        return {"items": hub_assumptions(load_hub_config())
                + tracker_assumptions(DEFAULT_ACTION_PLAN_CONFIG)}

    # -- measures ---------------------------------------------------------------------------------
    @api("GET", "/api/v1/hub/action-plan/measures", permission=("hub", "read"), tags=TAGS,
         query=MeasureQuery, response=MeasureListSchema,
         summary="Action Plan measures: central ones and those of the caller's regions")
    def hub_list_measures(self, request):
        query = load_query(MeasureQuery(), request.args)
        regions = policy.region_filter(request.principal, "hub")
        items = self.action_measures.listing(region_codes=regions, status=query.get("status"))
        today = clock.civil_today()
        for item in items:
            item["overdue"] = item["status"] not in ("done", "cancelled") and \
                item["deadline"] < today
        return MeasureListSchema().dump({"items": items, "today": today})

    @api("GET", "/api/v1/hub/action-plan/measures/<string:measure_id>",
         permission=("hub", "read"), tags=TAGS, response=MeasureSchema,
         summary="One Action Plan measure with its evidence and history")
    def hub_get_measure(self, request, measure_id):
        measure = self._measure(measure_id)
        if measure.get("region_code"):
            policy.authorize(request.principal, "hub", "read", measure["region_code"])
        return MeasureSchema().dump(measure)

    def _measure(self, measure_id: str) -> dict:
        measure = self.action_measures.find(measure_id)
        if measure is None:
            raise NotFound(f"no Action Plan measure {measure_id}", {"measure_id": measure_id})
        return measure

    @api("POST", "/api/v1/hub/action-plan/measures", permission=("hub.action_plan", "write"),
         tags=TAGS, body=MeasureInSchema, response=MeasureSchema,
         summary="Enter a measure of the Action Plan (manual entry: who, when, on what document)",
         responses={201: "entered", 400: BAD_INPUT, 409: "a measure with this id exists"})
    def hub_add_measure(self, request):
        body = load_body(MeasureInSchema(), read_json(request))
        _write_scope(request.principal, body.get("region_code"))
        source = manual_source(request.principal.subject, clock.now_utc(), body["reference"])
        return 201, MeasureSchema().dump(self.action_measures.add(new_measure(body, source=source)))

    @api("POST", "/api/v1/hub/action-plan/measures/<string:measure_id>/status",
         permission=("hub.action_plan", "write"), tags=TAGS, body=MeasureChangeSchema,
         response=MeasureSchema,
         summary="Move a measure to a status, with a comment and evidence (done needs evidence)",
         responses={400: BAD_INPUT, 404: "no such measure", 409: "changed meanwhile"})
    def hub_change_measure(self, request, measure_id):
        body = load_body(MeasureChangeSchema(), read_json(request))
        measure = self._measure(measure_id)
        _write_scope(request.principal, measure.get("region_code"))
        if body["status"] == measure["status"] and not body["evidence"]:
            raise Conflict("the change leaves the measure as it is",
                           {"rule": "measure_no_change", "status": measure["status"]})
        now = clock.now_utc()
        changed = change_measure(measure, body, by=request.principal.subject, at=now)
        stored = self.action_measures.change(changed, measure["version"])
        if stored["status"] in (DONE, "cancelled"):
            self.initiatives.resolve_where(
                {"kind": MEASURE_OVERDUE, "subject.measure_id": measure_id}, now=now,
                comment=f"measure {measure_id} {stored['status']} ({body['comment']})")
        return MeasureSchema().dump(stored)

    # -- indicators -------------------------------------------------------------------------------
    @api("GET", "/api/v1/hub/action-plan/indicators", permission=("hub", "read"), tags=TAGS,
         response=IndicatorListSchema,
         summary="Target indicators with baseline, targets and actuals judged per year")
    def hub_list_indicators(self, request):
        regions = policy.region_filter(request.principal, "hub")
        items = [indicator_view(i) for i in self.action_indicators.listing(region_codes=regions)]
        return IndicatorListSchema().dump({"items": items,
                                           "assumptions": tracker_assumptions()})

    @api("POST", "/api/v1/hub/action-plan/indicators", permission=("hub.action_plan", "write"),
         tags=TAGS, body=IndicatorInSchema, response=IndicatorSchema,
         summary="Enter a target indicator (national or per region) with baseline and targets",
         responses={201: "entered", 400: BAD_INPUT, 409: "this indicator exists for the region"})
    def hub_add_indicator(self, request):
        body = load_body(IndicatorInSchema(), read_json(request))
        _write_scope(request.principal, body.get("region_code"))
        source = manual_source(request.principal.subject, clock.now_utc(), body["reference"])
        key = indicator_key(body["indicator_id"], body.get("region_code"))
        stored = self.action_indicators.add(key, new_indicator(body, source=source))
        return 201, IndicatorSchema().dump(indicator_view(stored))

    @api("PUT", "/api/v1/hub/action-plan/indicators/<string:key>/actuals/<int:year>",
         permission=("hub.action_plan", "write"), tags=TAGS, body=ActualInSchema,
         response=IndicatorSchema,
         summary="Record an indicator's actual for a year (manual entry), judged at once",
         responses={400: BAD_INPUT, 404: "no such indicator"})
    def hub_put_actual(self, request, key, year):
        body = load_body(ActualInSchema(), read_json(request))
        indicator = self.action_indicators.find(key)
        if indicator is None:
            raise NotFound(f"no target indicator {key}", {"key": key})
        _write_scope(request.principal, indicator.get("region_code"))
        now = clock.now_utc()
        if year > clock.civil_today().year or year < indicator["baseline_year"]:
            raise ValidationFailed("invalid actual", {"year": [
                "between the baseline year and the current year"]})
        actual = {"value": body["value"],
                  "source": manual_source(request.principal.subject, now, body["reference"])}
        verdict = judge_actual(indicator, year, body["value"])
        stored = self.action_indicators.record_actual(indicator, year, actual, verdict)
        if verdict["off_track"] is False:
            self.initiatives.resolve_where(
                {"kind": INDICATOR_OFF_TRACK, "subject.indicator_id": indicator["indicator_id"],
                 "region_code": indicator.get("region_code") or "national",
                 "subject.year": year}, now=now,
                comment=f"actual {body['value']} for {year} is on track")
        return IndicatorSchema().dump(indicator_view(stored))

    @api("POST", "/api/v1/hub/action-plan/demo-seed", permission=("hub.initiatives", "write"),
         tags=TAGS, response=DemoSeedSchema,
         summary="Load the shipped DEMO measures and indicators (marked demo; idempotent)",
         responses={200: "counts of entries added; existing ids are left as they are"})
    def hub_action_plan_demo_seed(self, request):
        measures, indicators, _ = demo_seed()
        by, now, added = request.principal.subject, clock.now_utc(), []
        for body in measures:
            if self.action_measures.find(body["measure_id"]) is None:
                source = demo_source(by, now, body["reference"])
                self.action_measures.add(new_measure(body, source=source, demo=True))
                added.append(body["measure_id"])
        for body in indicators:
            key = indicator_key(body["indicator_id"], body.get("region_code"))
            if self.action_indicators.find(key) is None:
                source = demo_source(by, now, body["reference"])
                self.action_indicators.add(key, new_indicator(body, source=source, demo=True))
                added.append(key)
        return {"added": added}

    # -- checks -----------------------------------------------------------------------------------
    def _run_action_plan_checks(self, today) -> dict:
        now = clock.now_utc()
        proposals = (overdue_measure_proposals(self.action_measures.open_measures(), today)
                     + off_track_indicator_proposals(self.action_indicators.listing(), today))
        opened = []
        for proposal in proposals:
            initiative, created = self.initiatives.open(proposal, now=now, by=SYSTEM_ACTOR)
            if created:
                opened.append(initiative["id"])
        return {"today": today, "overdue_measures": sum(
            p.kind == MEASURE_OVERDUE for p in proposals), "off_track_indicators": sum(
            p.kind == INDICATOR_OFF_TRACK for p in proposals), "opened": opened}

    @check_timer
    def hub_action_plan_scheduled_checks(self):
        result = self._run_action_plan_checks(clock.civil_today())
        if result["opened"]:
            log.info("Action Plan checks opened %d initiatives", len(result["opened"]))

    @api("POST", "/api/v1/hub/action-plan/checks", permission=("hub.initiatives", "write"),
         tags=TAGS, response=ActionChecksSchema,
         summary="Open initiatives for overdue measures and off-track indicators now")
    def hub_action_plan_checks(self, request):
        return ActionChecksSchema().dump(self._run_action_plan_checks(clock.civil_today()))
