"""A central executive body's own 1 April report on the Concept's Action Plan, pure.

The Concept has central and local executive bodies report on the Action Plan by 1 April. A
region's akimat files the region's report (``concept_report``); a ministry files its own, on the
measures it is responsible for. The workflow is the same (drafted -> submitted -> acknowledged,
who and when at each step, a submitted report frozen, "generated" never taken as "submitted"),
so ``advance`` is shared; only the content and the key (``<body>|<year>``) differ.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Iterable, Mapping

from services.gateway.hub.action_plan import CLOSED, MEASURE_STATUSES
from services.gateway.hub.assumptions import assumptions_named
from services.gateway.hub.calendar import overdue_reporting_years, reporting_deadline
from services.gateway.hub.central_bodies import (
    CENTRAL_BODY_CODES,
    RECEIVING_BODY,
    body_name,
    measures_of_body,
    registry_source,
)
from services.gateway.hub.concept_report import drafted_report
from services.gateway.hub.reference import REPORT_OVERDUE
from services.gateway.hub.rules import DEFAULT_SETTINGS, HubSettings, InitiativeProposal, due_after

NATIONAL = "national"  # the region of an initiative about a central body (as for its measures)


def central_report_id(body_code: str, year: int) -> str:
    return f"{body_code}|{year}"


def _measure_line(m: Mapping, as_of: date) -> dict:
    deadline = m["deadline"]
    return {"measure_id": m["measure_id"], "title": m["title"], "direction": m.get("direction"),
            "deadline": deadline.isoformat(), "completion_form": m["completion_form"],
            "status": m["status"], "evidence": len(m.get("evidence", [])),
            "overdue": m["status"] not in CLOSED and deadline < as_of,
            "demo": bool(m.get("demo")), "source": m.get("source")}


def assemble_central_content(body_code: str, year: int, *, measures: Iterable[Mapping],
                             today: date, config: HubSettings = DEFAULT_SETTINGS) -> dict:
    """The body's measures (all of them, each judged as of the reporting year's end or today,
    whichever comes first) with a count by status; every line names its source."""
    as_of = min(today, date(year, 12, 31))
    lines = sorted((_measure_line(m, as_of) for m in measures_of_body(measures, body_code)),
                   key=lambda line: (line["deadline"], line["measure_id"]))
    due = [line for line in lines if line["deadline"] <= f"{year}-12-31"]
    by_status = Counter(line["status"] for line in lines)
    return {
        "body_code": body_code, "body_name": body_name(body_code),
        "reporting_body": body_name(body_code), "reporting_year": year,
        "submitted_to": body_name(RECEIVING_BODY),
        "deadline": reporting_deadline(year, config).isoformat(),
        "as_of": as_of.isoformat(),
        "action_plan": {
            "measures": lines,
            "summary": {"total": len(lines),
                        "by_status": {s: by_status.get(s, 0) for s in MEASURE_STATUSES},
                        "due_by_year_end": len(due),
                        "done_of_due": sum(line["status"] == "done" for line in due),
                        "overdue": sum(line["overdue"] for line in lines)},
            "rule": "a central measure belongs to the listed body its responsible_body names",
            "source": {"kind": "manual", "note": "Action Plan tracker entries (who, when, "
                                                 "document per entry)"}},
        "body_source": registry_source(),
        "assumptions": assumptions_named({"report_deadline"}, config),
    }


def new_central_draft(body_code: str, year: int, content: Mapping, *, by: str, now: datetime,
                      previous: Mapping | None = None) -> dict:
    """A (re-)assembled draft of the body's report; a submitted one is not re-drafted."""
    return drafted_report({"report_id": central_report_id(body_code, year), "body_code": body_code,
                           "reporting_year": year, "reporting_body": body_name(body_code)},
                          content, by=by, now=now, previous=previous)


def central_report_cause(body_code: str, year: int) -> str:
    return f"{REPORT_OVERDUE}:{body_code}:{year}"


def overdue_central_report_proposals(measures: Iterable[Mapping],
                                     submitted: set[tuple[str, int]], today: date,
                                     config: HubSettings = DEFAULT_SETTINGS
                                     ) -> list[InitiativeProposal]:
    """A central body responsible for Action Plan measures that has not submitted its report
    on a year whose deadline has passed (by the civil day): one initiative per body and year,
    resolved by the submission."""
    bodies = sorted({code for code in CENTRAL_BODY_CODES if measures_of_body(measures, code)})
    proposals = []
    for year in overdue_reporting_years(today, config):
        deadline = reporting_deadline(year, config)
        for code in bodies:
            if (code, year) in submitted:
                continue
            proposals.append(InitiativeProposal(
                kind=REPORT_OVERDUE, cause_key=central_report_cause(code, year),
                region_code=NATIONAL,
                title=(f"1 April report {year} of the {body_name(code)} not submitted by "
                       f"{deadline.isoformat()}"),
                description=("A central executive body reports on its Action Plan measures to "
                             f"the {body_name(RECEIVING_BODY)} by {deadline.isoformat()}."),
                responsible_body=body_name(code),
                due_date=due_after(REPORT_OVERDUE, today, config),
                subject={"reporting_year": year, "deadline": deadline.isoformat(),
                         "body_code": code}))
    return proposals
