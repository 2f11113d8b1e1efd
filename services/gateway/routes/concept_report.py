"""The 1 April report to the Ministry of National Economy over HTTP.

- ``POST /api/v1/hub/concept-reports/{region}/{year}/draft`` assembles (again) the draft from the
  hub's read models, the settlement register, the Action Plan tracker and the block budgets
  (budgets, by RPC);
- ``.../submit`` (the region or the Office) and ``.../acknowledge`` (the Ministry) move it on, each
  with who and when; a submitted report is frozen;
- ``GET`` one report, the year's reports in scope, and the fiscal part as an Open Fiscal Data
  Package (zip of ``datapackage.json`` and two CSV resources).
"""
from __future__ import annotations

import io
import json
import zipfile

from werkzeug.wrappers import Response

from services.common import clock
from services.common.errors import NotFound, PlatformError, ValidationFailed
from services.common.loading import load
from services.common.regions import REGION_CODES
from services.gateway.access import policy
from services.gateway.edge.http import INVALID_BODY, read_json
from services.gateway.hub.action_plan import indicator_view
from services.gateway.hub.concept_report import (
    ACKNOWLEDGED,
    SUBMITTED,
    advance,
    assemble_content,
    block_budget_summary,
    new_draft,
    ofdp_package,
)
from services.gateway.hub.concept_report_schemas import (
    ConceptReportListSchema,
    ConceptReportSchema,
    ReportStepSchema,
)
from services.gateway.hub.scorecards import region_scorecard
from services.gateway.hub.settings import load_hub_settings
from services.gateway.hub.settlements import gap_list, srs_rollup

TAGS = ("hub", "1 April report")
CONFLICT = "not allowed from the report's status (details name the rule)"


def _region(code: str) -> str:
    if code not in REGION_CODES:
        raise NotFound(f"no region with code {code}", {"code": code})
    return code


def _year(year: int) -> int:
    if not 2025 <= year <= clock.civil_today().year:
        raise ValidationFailed("invalid reporting year",
                               {"year": ["from 2025 to the current year"]})
    return year


def _dump(report: dict) -> dict:
    return ConceptReportSchema().dump(report)


def _step_body(request) -> dict:
    return load(ReportStepSchema, read_json(request) if request.get_data() else {},
                message=INVALID_BODY)


def _report(svc, region: str, year: int) -> dict:
    report = svc.concept_reports.find(region, year)
    if report is None:
        raise NotFound(f"no 1 April report {year} of {region} drafted yet",
                       {"region": region, "year": year})
    return report


def _assemble(svc, region: str, year: int) -> dict:
    today, config, now = clock.civil_today(), load_hub_settings(), clock.now_utc()
    facts = svc.hub_models.region_facts([region], today)[region]
    facts.initiatives_by_status = svc.initiatives.counts_by_region([region]).get(region, {})
    units = svc.settlements.of_regions([region])
    assessments = svc.srs_assessments.of_regions([region], year)
    projects = svc.project_reader.of_regions([region])
    try:
        blocks = block_budget_summary(svc.budgets.list_blocks(region, year), None, now)
    except PlatformError as exc:
        blocks = block_budget_summary(None, exc.message, now)
    except Exception as exc:  # noqa: BLE001  budgets down: the draft says so, not fails
        blocks = block_budget_summary(None, f"budgets unavailable: {type(exc).__name__}", now)
    plan_indicators = [indicator_view(i) for i in
                       svc.action_indicators.listing(region_codes={region})]
    return assemble_content(
        region, year, scorecard=region_scorecard(facts, today, config), projects=projects,
        indicators=facts.indicators, forecast=facts.forecast,
        srs_rollup=srs_rollup(units, assessments, year=year),
        gaps=gap_list(units, assessments, projects), settlements=units,
        measures=svc.action_measures.listing(region_codes={region}),
        indicators_plan=[{"indicator_id": i["indicator_id"], "region_code": i["region_code"],
                          "years": i["years"]} for i in plan_indicators],
        blocks=blocks, today=today, config=config)


def hub_draft_concept_report(svc, request, region, year):
    policy.authorize(request.principal, "hub.reports", "write", _region(region))
    _year(year)
    previous = svc.concept_reports.find(region, year)
    draft = new_draft(region, year, _assemble(svc, region, year),
                      by=request.principal.subject, now=clock.now_utc(), previous=previous)
    return _dump(svc.concept_reports.save(draft, "concept_report_drafted"))


def hub_submit_concept_report(svc, request, region, year):
    policy.authorize(request.principal, "hub.reports", "write", _region(region))
    body = _step_body(request)
    report = _report(svc, region, year)
    now = clock.now_utc()
    changed = advance(report, SUBMITTED, by=request.principal.subject, now=now,
                      submitted_on=clock.civil_today(), config=load_hub_settings(),
                      comment=body["comment"])
    stored = svc.concept_reports.save(changed, "concept_report_submitted")
    svc.initiatives.resolve_where(
        {"cause_key": f"annual_report_overdue:{region}:{year}"}, now=now,
        comment=f"1 April report {year} submitted by {request.principal.subject}")
    return _dump(stored)


def hub_acknowledge_concept_report(svc, request, region, year):
    policy.authorize(request.principal, "hub.reports", "acknowledge", _region(region))
    body = _step_body(request)
    report = _report(svc, region, year)
    changed = advance(report, ACKNOWLEDGED, by=request.principal.subject,
                      now=clock.now_utc(), comment=body["comment"])
    return _dump(svc.concept_reports.save(changed, "concept_report_acknowledged"))


def hub_get_concept_report(svc, request, region, year):
    policy.authorize(request.principal, "hub", "read", _region(region))
    return _dump(_report(svc, region, year))


def hub_list_concept_reports(svc, request, year):
    regions = policy.region_filter(request.principal, "hub")
    items = sorted(svc.concept_reports.of_year(year, regions), key=lambda r: r["region_code"])
    return ConceptReportListSchema().dump({"reporting_year": year, "items": items})


def hub_concept_report_ofdp(svc, request, region, year):
    policy.authorize(request.principal, "hub", "read", _region(region))
    package = ofdp_package(_report(svc, region, year))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in package.items():
            archive.writestr(path, content if isinstance(content, str)
                             else json.dumps(content, indent=2))
    name = f"concept-report-{region.lower()}-{year}.zip"
    return Response(buffer.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
