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

from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from services.common import clock
from services.common.errors import NotFound, PlatformError, ValidationFailed
from services.common.mongo import Store
from services.common.regions import REGION_CODES
from services.gateway import policy
from services.gateway.base import GatewayBase
from services.gateway.http import api, read_json
from services.gateway.hub.action_plan import indicator_view
from services.gateway.hub.concept_report import (ACKNOWLEDGED, SUBMITTED, advance,
                                                 assemble_content, block_budget_summary,
                                                 new_draft, ofdp_package)
from services.gateway.hub.concept_report_repository import ConceptReportRepository, ProjectReader
from services.gateway.hub_scorecards import region_scorecard
from services.gateway.hub_settings import load_hub_config
from services.gateway.hub_settlements import gap_list, srs_rollup
from services.gateway.schemas import load_body

TAGS = ("hub", "1 April report")
CONFLICT = "not allowed from the report's status (details name the rule)"


class ReportStepSchema(Schema):
    comment = fields.Str(load_default="", validate=validate.Length(max=2000))


class ConceptReportSummarySchema(Schema):
    report_id = fields.Str()
    region_code = fields.Str()
    reporting_year = fields.Int()
    reporting_body = fields.Str()
    status = fields.Str(validate=validate.OneOf(("drafted", "submitted", "acknowledged")))
    revision = fields.Int()
    drafted_by = fields.Str()
    drafted_at = fields.DateTime(format="iso")
    submitted_by = fields.Str(allow_none=True)
    submitted_at = fields.DateTime(format="iso", allow_none=True)
    submitted_on_time = fields.Bool(allow_none=True)
    acknowledged_by = fields.Str(allow_none=True)
    acknowledged_at = fields.DateTime(format="iso", allow_none=True)
    version = fields.Int()


class ConceptReportSchema(ConceptReportSummarySchema):
    history = fields.List(fields.Dict())
    content = fields.Dict(metadata={"description": "infrastructure_srs, economic_potential, "
                                                   "institutions, action_plan, assumptions; "
                                                   "each section names its source"})


class ConceptReportListSchema(Schema):
    reporting_year = fields.Int()
    items = fields.List(fields.Nested(ConceptReportSummarySchema))


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


class ConceptReportRoutes(GatewayBase):
    concept_reports = Store(ConceptReportRepository)
    project_reader = Store(ProjectReader)

    def _report(self, region: str, year: int) -> dict:
        report = self.concept_reports.find(region, year)
        if report is None:
            raise NotFound(f"no 1 April report {year} of {region} drafted yet",
                           {"region": region, "year": year})
        return report

    def _assemble(self, region: str, year: int) -> dict:
        today, config, now = clock.civil_today(), load_hub_config(), clock.now_utc()
        facts = self.hub_models.region_facts([region], today)[region]
        facts.initiatives_by_status = self.initiatives.counts_by_region([region]).get(region, {})
        units = self.settlements.of_regions([region])
        assessments = self.srs_assessments.of_regions([region], year)
        projects = self.project_reader.of_regions([region])
        try:
            blocks = block_budget_summary(self.budgets.list_blocks(region, year), None, now)
        except PlatformError as exc:
            blocks = block_budget_summary(None, exc.message, now)
        except Exception as exc:  # noqa: BLE001  budgets down: the draft says so, not fails
            blocks = block_budget_summary(None, f"budgets unavailable: {type(exc).__name__}",
                                          now)
        plan_indicators = [indicator_view(i) for i in
                           self.action_indicators.listing(region_codes={region})]
        return assemble_content(
            region, year, scorecard=region_scorecard(facts, today, config), projects=projects,
            indicators=facts.indicators, forecast=facts.forecast,
            srs_rollup=srs_rollup(units, assessments, year=year),
            gaps=gap_list(units, assessments, projects), settlements=units,
            measures=self.action_measures.listing(region_codes={region}),
            indicators_plan=[{"indicator_id": i["indicator_id"], "region_code": i["region_code"],
                              "years": i["years"]} for i in plan_indicators],
            blocks=blocks, today=today, config=config)

    @api("POST", "/api/v1/hub/concept-reports/<string:region>/<int:year>/draft",
         permission=("hub.reports", "write"), tags=TAGS, response=ConceptReportSchema,
         summary="Assemble (again) the draft 1 April report of a region and year",
         responses={409: CONFLICT})
    def hub_draft_concept_report(self, request, region, year):
        policy.authorize(request.principal, "hub.reports", "write", _region(region))
        _year(year)
        previous = self.concept_reports.find(region, year)
        draft = new_draft(region, year, self._assemble(region, year),
                          by=request.principal.subject, now=clock.now_utc(), previous=previous)
        return _dump(self.concept_reports.save(draft, "concept_report_drafted"))

    @api("POST", "/api/v1/hub/concept-reports/<string:region>/<int:year>/submit",
         permission=("hub.reports", "write"), tags=TAGS, body=ReportStepSchema,
         response=ConceptReportSchema,
         summary="Submit the drafted report to the Ministry of National Economy (who and when)",
         responses={404: "not drafted yet", 409: CONFLICT})
    def hub_submit_concept_report(self, request, region, year):
        policy.authorize(request.principal, "hub.reports", "write", _region(region))
        body = load_body(ReportStepSchema(), read_json(request) if request.get_data() else {})
        report = self._report(region, year)
        now = clock.now_utc()
        changed = advance(report, SUBMITTED, by=request.principal.subject, now=now,
                          submitted_on=clock.civil_today(), config=load_hub_config(),
                          comment=body["comment"])
        stored = self.concept_reports.save(changed, "concept_report_submitted")
        self.initiatives.resolve_where(
            {"cause_key": f"annual_report_overdue:{region}:{year}"}, now=now,
            comment=f"1 April report {year} submitted by {request.principal.subject}")
        return _dump(stored)

    @api("POST", "/api/v1/hub/concept-reports/<string:region>/<int:year>/acknowledge",
         permission=("hub.reports", "acknowledge"), tags=TAGS, body=ReportStepSchema,
         response=ConceptReportSchema,
         summary="Acknowledge a submitted report (the Ministry of National Economy)",
         responses={404: "not drafted yet", 409: CONFLICT})
    def hub_acknowledge_concept_report(self, request, region, year):
        policy.authorize(request.principal, "hub.reports", "acknowledge", _region(region))
        body = load_body(ReportStepSchema(), read_json(request) if request.get_data() else {})
        report = self._report(region, year)
        changed = advance(report, ACKNOWLEDGED, by=request.principal.subject,
                          now=clock.now_utc(), comment=body["comment"])
        return _dump(self.concept_reports.save(changed, "concept_report_acknowledged"))

    @api("GET", "/api/v1/hub/concept-reports/<string:region>/<int:year>",
         permission=("hub", "read"), tags=TAGS, response=ConceptReportSchema,
         summary="One region's 1 April report (content, status, who and when)",
         responses={404: "not drafted yet"})
    def hub_get_concept_report(self, request, region, year):
        policy.authorize(request.principal, "hub", "read", _region(region))
        return _dump(self._report(region, year))

    @api("GET", "/api/v1/hub/concept-reports/<int:year>", permission=("hub", "read"),
         tags=TAGS, response=ConceptReportListSchema,
         summary="The year's 1 April reports of the regions the caller may see, by status")
    def hub_list_concept_reports(self, request, year):
        regions = policy.region_filter(request.principal, "hub")
        items = sorted(self.concept_reports.of_year(year, regions),
                       key=lambda r: r["region_code"])
        return ConceptReportListSchema().dump({"reporting_year": year, "items": items})

    @api("GET", "/api/v1/hub/concept-reports/<string:region>/<int:year>/ofdp.zip",
         permission=("hub", "read"), tags=TAGS,
         summary="The report's fiscal part as an Open Fiscal Data Package (zip)",
         responses={200: "application/zip: datapackage.json, data/fiscal-indicators.csv, "
                         "data/block-budget.csv", 404: "not drafted yet"})
    def hub_concept_report_ofdp(self, request, region, year):
        policy.authorize(request.principal, "hub", "read", _region(region))
        package = ofdp_package(self._report(region, year))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, content in package.items():
                archive.writestr(path, content if isinstance(content, str)
                                 else json.dumps(content, indent=2))
        name = f"concept-report-{region.lower()}-{year}.zip"
        return Response(buffer.getvalue(), mimetype="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
