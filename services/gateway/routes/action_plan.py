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
from services.common.loading import load, load_query
from services.gateway.access import policy
from services.gateway.edge.http import INVALID_BODY, read_json
from services.gateway.hub.action_plan import (
    DONE,
    INDICATOR_OFF_TRACK,
    MEASURE_OVERDUE,
    ActualInSchema,
    IndicatorInSchema,
    MeasureChangeSchema,
    MeasureInSchema,
    change_measure,
    demo_seed,
    demo_source,
    indicator_key,
    indicator_view,
    judge_actual,
    manual_source,
    new_indicator,
    new_measure,
    off_track_indicator_proposals,
    overdue_measure_proposals,
    tracker_assumptions,
)
from services.gateway.hub.action_plan_schemas import (
    ActionChecksSchema,
    IndicatorListSchema,
    IndicatorSchema,
    MeasureListSchema,
    MeasureQuery,
    MeasureSchema,
)
from services.gateway.hub.assumptions import hub_assumptions as assumed_rules
from services.gateway.hub.calendar import overdue_reporting_years
from services.gateway.hub.central_report import overdue_central_report_proposals
from services.gateway.hub.rules import SYSTEM_ACTOR
from services.gateway.hub.service_assumptions import service_assumptions
from services.gateway.hub.settings import DEFAULT_ACTION_PLAN_SETTINGS, load_hub_settings

log = logging.getLogger(__name__)
TAGS = ("hub", "action plan")
BAD_INPUT = "invalid input; details map each bad field to its reasons"


def _write_scope(principal, region_code):
    """A central item (no region) is national work: ``authorize`` with region None refuses a
    region-scoped credential, as it should."""
    policy.authorize(principal, "hub.action_plan", "write", region_code)


# -- assumptions ------------------------------------------------------------------------------
def hub_assumptions(svc, request):
    return {"items": assumed_rules(load_hub_settings())
            + tracker_assumptions(DEFAULT_ACTION_PLAN_SETTINGS) + service_assumptions()}


# -- measures ---------------------------------------------------------------------------------
def hub_list_measures(svc, request):
    query = load_query(MeasureQuery, request.args)
    regions = policy.region_filter(request.principal, "hub")
    items = svc.action_measures.listing(region_codes=regions, status=query.get("status"))
    today = clock.civil_today()
    for item in items:
        item["overdue"] = item["status"] not in ("done", "cancelled") and \
            item["deadline"] < today
    return MeasureListSchema().dump({"items": items, "today": today})


def _measure(svc, measure_id: str) -> dict:
    measure = svc.action_measures.find(measure_id)
    if measure is None:
        raise NotFound(f"no Action Plan measure {measure_id}", {"measure_id": measure_id})
    return measure


def hub_get_measure(svc, request, measure_id):
    measure = _measure(svc, measure_id)
    if measure.get("region_code"):
        policy.authorize(request.principal, "hub", "read", measure["region_code"])
    return MeasureSchema().dump(measure)


def hub_add_measure(svc, request):
    body = load(MeasureInSchema, read_json(request), message=INVALID_BODY)
    _write_scope(request.principal, body.get("region_code"))
    source = manual_source(request.principal.subject, clock.now_utc(), body["reference"])
    return 201, MeasureSchema().dump(svc.action_measures.add(new_measure(body, source=source)))


def hub_change_measure(svc, request, measure_id):
    body = load(MeasureChangeSchema, read_json(request), message=INVALID_BODY)
    measure = _measure(svc, measure_id)
    _write_scope(request.principal, measure.get("region_code"))
    if body["status"] == measure["status"] and not body["evidence"]:
        raise Conflict("the change leaves the measure as it is",
                       {"rule": "measure_no_change", "status": measure["status"]})
    now = clock.now_utc()
    changed = change_measure(measure, body, by=request.principal.subject, at=now)
    stored = svc.action_measures.change(changed, measure["version"])
    if stored["status"] in (DONE, "cancelled"):
        svc.initiatives.resolve_where(
            {"kind": MEASURE_OVERDUE, "subject.measure_id": measure_id}, now=now,
            comment=f"measure {measure_id} {stored['status']} ({body['comment']})")
    return MeasureSchema().dump(stored)


# -- indicators -------------------------------------------------------------------------------
def hub_list_indicators(svc, request):
    regions = policy.region_filter(request.principal, "hub")
    items = [indicator_view(i) for i in svc.action_indicators.listing(region_codes=regions)]
    return IndicatorListSchema().dump({"items": items, "assumptions": tracker_assumptions()})


def hub_add_indicator(svc, request):
    body = load(IndicatorInSchema, read_json(request), message=INVALID_BODY)
    _write_scope(request.principal, body.get("region_code"))
    source = manual_source(request.principal.subject, clock.now_utc(), body["reference"])
    key = indicator_key(body["indicator_id"], body.get("region_code"))
    stored = svc.action_indicators.add(key, new_indicator(body, source=source))
    return 201, IndicatorSchema().dump(indicator_view(stored))


def hub_put_actual(svc, request, key, year):
    body = load(ActualInSchema, read_json(request), message=INVALID_BODY)
    indicator = svc.action_indicators.find(key)
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
    stored = svc.action_indicators.record_actual(indicator, year, actual, verdict)
    if verdict["off_track"] is False:
        svc.initiatives.resolve_where(
            {"kind": INDICATOR_OFF_TRACK, "subject.indicator_id": indicator["indicator_id"],
             "region_code": indicator.get("region_code") or "national",
             "subject.year": year}, now=now,
            comment=f"actual {body['value']} for {year} is on track")
    return IndicatorSchema().dump(indicator_view(stored))


def hub_action_plan_demo_seed(svc, request):
    measures, indicators, _ = demo_seed()
    by, now, added = request.principal.subject, clock.now_utc(), []
    for body in measures:
        if svc.action_measures.find(body["measure_id"]) is None:
            source = demo_source(by, now, body["reference"])
            svc.action_measures.add(new_measure(body, source=source, demo=True))
            added.append(body["measure_id"])
    for body in indicators:
        key = indicator_key(body["indicator_id"], body.get("region_code"))
        if svc.action_indicators.find(key) is None:
            source = demo_source(by, now, body["reference"])
            svc.action_indicators.add(key, new_indicator(body, source=source, demo=True))
            added.append(key)
    return {"added": added}


# -- checks -----------------------------------------------------------------------------------
def _run_action_plan_checks(svc, today) -> dict:
    now = clock.now_utc()
    config = load_hub_settings()
    years = overdue_reporting_years(today, config)
    central = overdue_central_report_proposals(
        svc.action_measures.listing(), svc.central_reports.submitted_keys(years), today, config)
    proposals = (overdue_measure_proposals(svc.action_measures.open_measures(), today)
                 + off_track_indicator_proposals(svc.action_indicators.listing(), today)
                 + central)
    opened = []
    for proposal in proposals:
        initiative, created = svc.initiatives.open(proposal, now=now, by=SYSTEM_ACTOR)
        if created:
            opened.append(initiative["id"])
    return {"today": today, "overdue_measures": sum(
        p.kind == MEASURE_OVERDUE for p in proposals), "off_track_indicators": sum(
        p.kind == INDICATOR_OFF_TRACK for p in proposals),
        "overdue_central_reports": len(central), "opened": opened}


def hub_action_plan_scheduled_checks(svc):
    result = _run_action_plan_checks(svc, clock.civil_today())
    if result["opened"]:
        log.info("Action Plan checks opened %d initiatives", len(result["opened"]))


def hub_action_plan_checks(svc, request):
    return ActionChecksSchema().dump(_run_action_plan_checks(svc, clock.civil_today()))
