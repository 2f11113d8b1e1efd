"""Progress reports: cumulative figures, corrections, report order, milestones, versions."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.common.errors import RuleViolation, StaleVersion, ValidationFailed
from services.investments.application.demo_data import advance, example_project
from services.investments.domain import register_project, report_progress

NOW = datetime(2025, 9, 1, 4, 0, tzinfo=timezone.utc)
BY = "officer-3"


def implementing():
    project, _ = register_project(example_project(), project_id="p-5", now=NOW, by=BY)
    project, _ = advance(project, "under_implementation", now=NOW, by=BY)
    return project


def report(project, **fields):
    command = {"expected_version": project["version"], "report_date": "2025-06-30",
               "invested_to_date_kzt": "1000000000.00", "jobs_created_to_date": 40}
    command.update(fields)
    return report_progress(project, command, now=NOW, by=BY)


def test_report_is_appended_and_project_follows_it():
    project = implementing()
    new, events = report(project, milestones=[{"name": "foundation laid",
                                               "date": "2025-05-15"}], note="on schedule")
    assert new["invested_to_date_kzt"] == Decimal("1000000000.00")
    assert new["jobs_created"] == 40
    assert new["last_report_date"] == date(2025, 6, 30)
    assert new["version"] == project["version"] + 1
    assert new["progress_reports"] == [{
        "report_no": 1, "report_date": date(2025, 6, 30),
        "invested_to_date_kzt": Decimal("1000000000.00"), "jobs_created_to_date": 40,
        "milestones": [{"name": "foundation laid", "date": date(2025, 5, 15)}],
        "note": "on schedule", "correction_reason": None, "reported_at": NOW, "reported_by": BY}]
    assert [e[0] for e in events] == ["project_progress_reported"]
    payload = events[0][1]
    assert payload["invested_change_kzt"] == "1000000000.00" and payload["jobs_change"] == 40
    assert payload["report_no"] == 1 and payload["jobs_created"] == 40


def test_cumulative_figures_grow_and_latest_report_wins():
    project = implementing()
    first, _ = report(project)
    second, events = report(first, report_date="2025-07-31", invested_to_date_kzt="1500000000",
                            jobs_created_to_date=40)
    assert second["invested_to_date_kzt"] == Decimal("1500000000.00")
    assert second["jobs_created"] == 40
    assert [r["report_no"] for r in second["progress_reports"]] == [1, 2]
    assert events[0][1]["invested_change_kzt"] == "500000000.00"
    assert events[0][1]["jobs_change"] == 0


@pytest.mark.parametrize("invested,jobs,fields", [
    ("999999999.99", 40, ["invested_to_date_kzt"]),
    ("1000000000.00", 39, ["jobs_created_to_date"]),
    ("0", 0, ["invested_to_date_kzt", "jobs_created_to_date"]),
])
def test_decrease_without_correction_reason_is_refused(invested, jobs, fields):
    first, _ = report(implementing())
    with pytest.raises(RuleViolation) as caught:
        report(first, report_date="2025-07-31", invested_to_date_kzt=invested,
               jobs_created_to_date=jobs)
    details = caught.value.details
    assert details["rule"] == "cumulative_decrease"
    assert details["fields"] == fields
    assert details["previous"] == {"invested_to_date_kzt": "1000000000.00",
                                   "jobs_created_to_date": 40}


def test_decrease_with_correction_reason_is_accepted():
    first, _ = report(implementing())
    corrected, events = report(first, report_date="2025-07-31",
                               invested_to_date_kzt="900000000.00", jobs_created_to_date=35,
                               correction_reason="double-counted equipment invoice")
    assert corrected["invested_to_date_kzt"] == Decimal("900000000.00")
    assert corrected["jobs_created"] == 35
    assert events[0][1]["invested_change_kzt"] == "-100000000.00"
    assert events[0][1]["jobs_change"] == -5
    assert events[0][1]["correction_reason"] == "double-counted equipment invoice"


def test_blank_correction_reason_counts_as_none():
    first, _ = report(implementing())
    with pytest.raises(RuleViolation):
        report(first, report_date="2025-07-31", jobs_created_to_date=1, correction_reason="  ")


def test_report_dates_do_not_go_back():
    first, _ = report(implementing())
    same_day, _ = report(first)  # a second report for the same date is fine
    with pytest.raises(RuleViolation) as caught:
        report(same_day, report_date="2025-06-29")
    assert caught.value.details == {"rule": "report_date_order",
                                    "latest_report_date": "2025-06-30",
                                    "report_date": "2025-06-29"}


@pytest.mark.parametrize("fields,field", [
    ({"report_date": "2025-09-02"}, "report_date"),  # tomorrow in local time
    ({"report_date": "30/06/2025"}, "report_date"),
    ({"invested_to_date_kzt": "-1"}, "invested_to_date_kzt"),
    ({"invested_to_date_kzt": 10.5}, "invested_to_date_kzt"),
    ({"invested_to_date_kzt": "1.001"}, "invested_to_date_kzt"),
    ({"jobs_created_to_date": -1}, "jobs_created_to_date"),
    ({"jobs_created_to_date": 1.0}, "jobs_created_to_date"),
    ({"milestones": "foundation"}, "milestones"),
    ({"milestones": [{"name": "", "date": "2025-06-01"}]}, "milestones.0.name"),
    ({"milestones": [{"name": "roof", "date": "2025-07-01"}]}, "milestones.0.date"),
    ({"milestones": [{"name": "roof"}]}, "milestones.0.date"),
    ({"milestones": [{"name": "roof", "date": "2025-06-01", "cost": 1}]}, "milestones.0.cost"),
    ({"milestones": [{"name": "m", "date": "2025-06-01"}] * 51}, "milestones"),
    ({"note": "x" * 2001}, "note"),
    ({"expected_version": None}, "expected_version"),
    ({"jobs_created": 5}, "jobs_created"),
])
def test_bad_report_input(fields, field):
    with pytest.raises(ValidationFailed) as caught:
        report(implementing(), **fields)
    assert field in caught.value.details


def test_missing_fields_reported_together():
    with pytest.raises(ValidationFailed) as caught:
        report_progress(implementing(), {"expected_version": 6}, now=NOW, by=BY)
    assert caught.value.details == {"report_date": ["required"],
                                    "invested_to_date_kzt": ["required"],
                                    "jobs_created_to_date": ["required"]}


def test_stale_version():
    project = implementing()
    with pytest.raises(StaleVersion) as caught:
        report(project, expected_version=project["version"] - 1)
    assert caught.value.details == {"expected": project["version"] - 1,
                                    "actual": project["version"]}


@pytest.mark.parametrize("stage", ["proposed", "financed", "suspended", "commissioned"])
def test_reports_accepted_until_the_project_is_closed(stage):
    project, _ = register_project(example_project(), project_id="p", now=NOW, by=BY)
    project, _ = advance(project, stage, now=NOW, by=BY)
    new, _ = report(project, report_date="2025-08-31",
                    invested_to_date_kzt=str(project["invested_to_date_kzt"] + 1),
                    jobs_created_to_date=project["jobs_created"] + 1)
    assert new["jobs_created"] == project["jobs_created"] + 1


@pytest.mark.parametrize("stage", ["cancelled", "evaluated"])
def test_closed_projects_refuse_reports(stage):
    project, _ = register_project(example_project(), project_id="p", now=NOW, by=BY)
    project, _ = advance(project, stage, now=NOW, by=BY)
    with pytest.raises(RuleViolation) as caught:
        report(project, report_date="2025-08-31", jobs_created_to_date=10_000,
               invested_to_date_kzt="99999999999")
    assert caught.value.details["rule"] == "project_closed"


def test_original_not_mutated():
    project = implementing()
    before = repr(project)
    report(project)
    assert repr(project) == before
