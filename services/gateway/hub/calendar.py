"""The reporting calendar, pure: central and local bodies report progress on the Concept to the
Ministry of National Economy by 1 April of the year after the reporting year (the day is in
``HubSettings``). Rule (d): a region whose report is not *submitted* by then gets an initiative.

A report counts when a person submits it (the hub's 1 April report, hub/concept_report.py);
budgets generating its fiscal annual report is shown beside it but is not a submission."""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterable, Mapping

from services.common.clock import civil_date
from services.gateway.hub.rules import (
    DEFAULT_SETTINGS,
    REPORT_OVERDUE,
    HubSettings,
    InitiativeProposal,
    due_after,
    region_name,
    responsible_body,
)

PENDING, ON_TIME, LATE, OVERDUE = "pending", "submitted_on_time", "submitted_late", "overdue"
REPORT_STATUSES: tuple[str, ...] = (PENDING, ON_TIME, LATE, OVERDUE)


def reporting_deadline(reporting_year: int, config: HubSettings = DEFAULT_SETTINGS) -> date:
    return date(reporting_year + 1, config.report_deadline_month, config.report_deadline_day)


def report_status(reporting_year: int, submitted_at: datetime | None, today: date,
                  config: HubSettings = DEFAULT_SETTINGS) -> str:
    """Status of a region's annual report: submitted on time/late (by the civil day, UTC+5, of
    the submission), pending until the deadline has passed, then overdue."""
    deadline = reporting_deadline(reporting_year, config)
    if submitted_at is not None:
        submitted_on = civil_date(submitted_at)
        return ON_TIME if submitted_on <= deadline else LATE
    return PENDING if today <= deadline else OVERDUE


def calendar_entry(region_code: str, reporting_year: int, report: Mapping | None, today: date,
                   config: HubSettings = DEFAULT_SETTINGS, submission: Mapping | None = None) -> dict:
    """``report``: budgets' generated fiscal report (shown); ``submission``: the submitted
    1 April report (what the status is judged on)."""
    submitted_at = submission.get("submitted_at") if submission else None
    return {
        "region_code": region_code,
        "region_name": region_name(region_code),
        "reporting_year": reporting_year,
        "due_date": reporting_deadline(reporting_year, config),
        "status": report_status(reporting_year, submitted_at, today, config),
        "report_id": report.get("report_id") if report else None,
        "first_generated_at": report.get("first_generated_at") if report else None,
        "last_generated_at": report.get("last_generated_at") if report else None,
        "submitted_at": submitted_at,
        "submitted_by": submission.get("submitted_by") if submission else None,
        "acknowledged_at": submission.get("acknowledged_at") if submission else None,
    }


def overdue_reporting_years(today: date, config: HubSettings = DEFAULT_SETTINGS) -> list[int]:
    """Reporting years whose deadline has passed by ``today`` (from the first reporting year)."""
    years, year = [], config.first_reporting_year
    while reporting_deadline(year, config) < today:
        years.append(year)
        year += 1
    return years


def overdue_report_proposals(region_codes: Iterable[str],
                             submissions: Mapping[tuple[str, int], Mapping],
                             today: date, config: HubSettings = DEFAULT_SETTINGS
                             ) -> list[InitiativeProposal]:
    """(d) every region and passed deadline without a generated report."""
    proposals = []
    for year in overdue_reporting_years(today, config):
        deadline = reporting_deadline(year, config)
        for region in sorted(region_codes):
            if submissions.get((region, year)):
                continue
            proposals.append(InitiativeProposal(
                kind=REPORT_OVERDUE, cause_key=f"{REPORT_OVERDUE}:{region}:{year}",
                region_code=region,
                title=(f"Annual report {year} of {region_name(region)} not submitted by "
                       f"{deadline.isoformat()}"),
                description=("Progress on the Concept must reach the Ministry of National Economy "
                             f"by {deadline.isoformat()}."),
                responsible_body=responsible_body(REPORT_OVERDUE, region, config),
                due_date=due_after(REPORT_OVERDUE, today, config),
                subject={"reporting_year": year, "deadline": deadline.isoformat()}))
    return proposals
