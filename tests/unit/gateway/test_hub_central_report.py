"""A central executive body's own 1 April report, pure: which Action Plan measures are the
body's, how the year is summed up (status, due, overdue, each line with its source), and the
shared workflow (drafted -> submitted on time or late -> acknowledged, a submitted report
frozen)."""
from datetime import date, datetime, timezone

import pytest

from services.common.errors import RuleViolation
from services.gateway.hub import central_bodies as cb
from services.gateway.hub import central_report as central
from services.gateway.hub.concept_report import ACKNOWLEDGED, SUBMITTED, advance

NOW = datetime(2026, 3, 20, 6, tzinfo=timezone.utc)


def measure(measure_id, body, deadline, status="planned", level="central", evidence=0):
    return {"measure_id": measure_id, "title": f"Measure {measure_id}", "level": level,
            "direction": "institutions", "responsible_body": body, "region_code": None,
            "deadline": deadline, "completion_form": "information_to_government",
            "status": status, "evidence": [{"reference": "letter"}] * evidence,
            "source": {"kind": "manual", "by": "coordinator", "reference": "protocol 1"}}


MEASURES = [
    measure("1.1", "Ministry of Finance", date(2025, 6, 30), "done", evidence=1),
    measure("1.2", "  ministry of  FINANCE ", date(2025, 11, 1), "in_progress"),
    measure("1.3", "Ministry of Finance", date(2026, 12, 31)),
    measure("1.4", "Ministry of National Economy", date(2025, 5, 1)),
    measure("1.5", "Ministry of Finance", date(2025, 3, 1), level="local"),
    measure("1.6", "Committee that is not listed", date(2025, 3, 1)),
]


def test_the_registry_is_a_closed_list_with_its_source_and_the_receiving_ministry():
    assert cb.RECEIVING_BODY == "MNE" and cb.body_name("MNE") == "Ministry of National Economy"
    assert len(cb.CENTRAL_BODY_CODES) == len(set(cb.CENTRAL_BODY_CODES)) >= 10
    assert cb.registry_source()["file_name"] == "central_bodies.json"
    assert cb.registry_source()["quality"] == "secondary"


def test_a_central_measure_belongs_to_the_body_its_responsible_body_names():
    assert cb.body_of("Ministry of Finance") == "MF"
    assert cb.body_of("ministry   of finance") == "MF"
    assert cb.body_of("Committee that is not listed") is None
    assert [m["measure_id"] for m in cb.measures_of_body(MEASURES, "MF")] == ["1.1", "1.2", "1.3"]
    assert [m["measure_id"] for m in cb.measures_of_body(MEASURES, "MNE")] == ["1.4"]
    assert cb.measures_of_body(MEASURES, "MIC") == []


def test_content_sums_up_the_bodys_measures_as_of_the_year_end():
    content = central.assemble_central_content("MF", 2025, measures=MEASURES,
                                               today=date(2026, 3, 20))
    assert content["reporting_body"] == "Ministry of Finance"
    assert content["submitted_to"] == "Ministry of National Economy"
    assert content["deadline"] == "2026-04-01" and content["as_of"] == "2025-12-31"
    lines = content["action_plan"]["measures"]
    assert [line["measure_id"] for line in lines] == ["1.1", "1.2", "1.3"]
    assert [line["overdue"] for line in lines] == [False, True, False]
    assert lines[0]["evidence"] == 1 and lines[0]["source"]["reference"] == "protocol 1"
    summary = content["action_plan"]["summary"]
    assert summary == {"total": 3, "by_status": {"planned": 1, "in_progress": 1, "done": 1,
                                                 "cancelled": 0},
                       "due_by_year_end": 2, "done_of_due": 1, "overdue": 1}
    assert content["body_source"]["file_name"] == "central_bodies.json"
    assert [a["key"] for a in content["assumptions"]] == ["report_deadline"]


def test_during_the_year_a_measure_is_judged_on_today():
    content = central.assemble_central_content("MF", 2025, measures=MEASURES,
                                               today=date(2025, 7, 1))
    assert content["as_of"] == "2025-07-01"
    assert [line["overdue"] for line in content["action_plan"]["measures"]] == [
        False, False, False]


def test_workflow_is_the_regions_one_keyed_by_body_and_year():
    content = central.assemble_central_content("MF", 2025, measures=MEASURES,
                                               today=date(2026, 3, 20))
    draft = central.new_central_draft("MF", 2025, content, by="mf-officer", now=NOW)
    assert (draft["report_id"], draft["body_code"], draft["status"]) == ("MF|2025", "MF",
                                                                        "drafted")
    again = central.new_central_draft("MF", 2025, content, by="mf-officer", now=NOW,
                                      previous=draft)
    assert again["revision"] == 2 and len(again["history"]) == 2
    with pytest.raises(RuleViolation):
        advance(again, ACKNOWLEDGED, by="mne-analyst", now=NOW)
    submitted = advance(again, SUBMITTED, by="mf-officer", now=NOW,
                        submitted_on=date(2026, 4, 2))
    assert submitted["submitted_on_time"] is False and submitted["submitted_by"] == "mf-officer"
    with pytest.raises(RuleViolation) as frozen:
        central.new_central_draft("MF", 2025, content, by="mf-officer", now=NOW,
                                  previous=submitted)
    assert frozen.value.details["rule"] == "report_frozen"
    done = advance(submitted, ACKNOWLEDGED, by="mne-analyst", now=NOW)
    assert (done["acknowledged_by"], [h["to"] for h in done["history"]]) == (
        "mne-analyst", ["drafted", "drafted", "submitted", "acknowledged"])


def test_a_body_with_measures_and_no_submission_after_the_deadline_gets_one_initiative():
    before = central.overdue_central_report_proposals(MEASURES, set(), date(2026, 4, 1))
    assert before == []                                    # on the deadline day nothing is late
    late = central.overdue_central_report_proposals(MEASURES, set(), date(2026, 4, 2))
    assert [(p.cause_key, p.region_code, p.responsible_body) for p in late] == [
        ("annual_report_overdue:MF:2025", "national", "Ministry of Finance"),
        ("annual_report_overdue:MNE:2025", "national", "Ministry of National Economy")]
    assert late[0].subject == {"reporting_year": 2025, "deadline": "2026-04-01",
                               "body_code": "MF"}
    # a submission (or acknowledgement) of the year clears the body; a body without measures
    # (the Ministry of Industry here) owes no report to the tracker
    done = central.overdue_central_report_proposals(MEASURES, {("MF", 2025)}, date(2026, 4, 2))
    assert [p.subject["body_code"] for p in done] == ["MNE"]
