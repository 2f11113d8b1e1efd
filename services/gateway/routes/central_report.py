"""A central executive body's own 1 April report over HTTP.

- ``POST /api/v1/hub/central-reports/{body_code}/{year}/draft`` assembles (again) the draft from the
  Action Plan tracker: the measures the body is responsible for;
- ``.../submit`` (the body's officers or the Office) and ``.../acknowledge`` (the Ministry of
  National Economy) move it on, each with who and when; a submitted report is frozen;
- ``GET`` one report and the year's reports of the bodies the caller may see.

Body scope: a ``central_officer`` reaches its own body's report only (``policy.authorize_body``).
"""
from __future__ import annotations

from services.common import clock
from services.common.errors import NotFound
from services.gateway.access import policy
from services.gateway.hub.central_bodies import CENTRAL_BODIES
from services.gateway.hub.central_report import (
    assemble_central_content,
    central_report_cause,
    new_central_draft,
)
from services.gateway.hub.concept_report import ACKNOWLEDGED, SUBMITTED, advance
from services.gateway.hub.concept_report_schemas import (
    CentralReportListSchema,
    CentralReportSchema,
)
from services.gateway.hub.settings import load_hub_settings
from services.gateway.routes.concept_report import _step_body, _year

TAGS = ("hub", "1 April report")
CONFLICT = "not allowed from the report's status (details name the rule)"


def _body(code: str) -> str:
    if code not in CENTRAL_BODIES:
        raise NotFound(f"no central body with code {code}", {"body": code})
    return code


def _report(svc, body: str, year: int) -> dict:
    report = svc.central_reports.find(body, year)
    if report is None:
        raise NotFound(f"no 1 April report {year} of {body} drafted yet",
                       {"body": body, "year": year})
    return report


def _dump(report: dict) -> dict:
    return CentralReportSchema().dump(report)


def hub_draft_central_report(svc, request, body_code, year):
    policy.authorize_body(request.principal, "hub.central_reports", "write", _body(body_code))
    _year(year)
    previous = svc.central_reports.find(body_code, year)
    content = assemble_central_content(body_code, year, measures=svc.action_measures.listing(),
                                       today=clock.civil_today(), config=load_hub_settings())
    draft = new_central_draft(body_code, year, content, by=request.principal.subject,
                              now=clock.now_utc(), previous=previous)
    return _dump(svc.central_reports.save(draft, "central_report_drafted"))


def hub_submit_central_report(svc, request, body_code, year):
    policy.authorize_body(request.principal, "hub.central_reports", "write", _body(body_code))
    step = _step_body(request)
    changed = advance(_report(svc, body_code, year), SUBMITTED, by=request.principal.subject,
                      now=clock.now_utc(), submitted_on=clock.civil_today(),
                      config=load_hub_settings(), comment=step["comment"])
    stored = svc.central_reports.save(changed, "central_report_submitted")
    svc.initiatives.resolve_where(
        {"cause_key": central_report_cause(body_code, year)}, now=clock.now_utc(),
        comment=f"1 April report {year} submitted by {request.principal.subject}")
    return _dump(stored)


def hub_acknowledge_central_report(svc, request, body_code, year):
    # the Ministry acknowledges every report it receives, a region's or a central body's
    policy.authorize_route(request.principal, "hub.reports", "acknowledge")
    step = _step_body(request)
    changed = advance(_report(svc, _body(body_code), year), ACKNOWLEDGED,
                      by=request.principal.subject, now=clock.now_utc(), comment=step["comment"])
    return _dump(svc.central_reports.save(changed, "central_report_acknowledged"))


def hub_get_central_report(svc, request, body_code, year):
    policy.authorize_body(request.principal, "hub.central_reports", "read", _body(body_code))
    return _dump(_report(svc, body_code, year))


def hub_list_central_reports(svc, request, year):
    bodies = policy.body_filter(request.principal, "hub.central_reports")
    items = sorted(svc.central_reports.of_year(year, bodies), key=lambda r: r["body_code"])
    return CentralReportListSchema().dump({"reporting_year": year, "items": items})
