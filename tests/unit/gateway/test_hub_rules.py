"""The hub's pure rules: initiative transitions and changes, the four automatic rules, the reporting
calendar (``hub_calendar``), and the ordering keys the read models rely on (``hub_documents``)."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.common.errors import RuleViolation, ValidationFailed
from services.gateway.hub import calendar, documents, rules
from services.gateway.hub.rules import DISMISSED, IN_PROGRESS, OPEN, RESOLVED, HubSettings, InitiativeProposal

NOW = datetime(2026, 5, 4, 10, 30, tzinfo=timezone.utc)

# Written independently of rules.TRANSITIONS: (from, to) → allowed?
EXPECTED_TRANSITIONS = {
    (OPEN, IN_PROGRESS): True, (OPEN, RESOLVED): True, (OPEN, DISMISSED): True,
    (IN_PROGRESS, OPEN): True, (IN_PROGRESS, RESOLVED): True, (IN_PROGRESS, DISMISSED): True,
    (RESOLVED, OPEN): True, (RESOLVED, IN_PROGRESS): False, (RESOLVED, DISMISSED): False,
    (DISMISSED, OPEN): True, (DISMISSED, IN_PROGRESS): False, (DISMISSED, RESOLVED): False,
}


def proposal(**overrides) -> InitiativeProposal:
    values = dict(kind=rules.MANUAL, cause_key="manual:1", region_code="KZ-35",
                  title="Check the pipeline", description="", responsible_body="Akimat",
                  due_date=date(2026, 6, 1), subject={})
    values.update(overrides)
    return InitiativeProposal(**values)


def initiative(status=OPEN):
    doc = rules.new_initiative(proposal(), initiative_id="i-1", now=NOW, by="coordinator",
                               event_ids=["e-2", "e-1", "e-2"])
    doc["status"] = status
    return doc


def test_new_initiative_is_open_with_one_history_entry_and_sorted_unique_links():
    doc = rules.new_initiative(proposal(), initiative_id="i-1", now=NOW, by="coordinator",
                               event_ids=["e-2", "e-1", "e-2"])
    assert doc["status"] == OPEN and doc["version"] == 1
    assert doc["event_ids"] == ["e-1", "e-2"]
    assert doc["history"] == [{"at": NOW, "by": "coordinator", "from": None, "to": OPEN,
                               "comment": "opened: Check the pipeline"}]


@pytest.mark.parametrize("from_status,to_status", sorted(EXPECTED_TRANSITIONS))
def test_transition_table(from_status, to_status):
    allowed = EXPECTED_TRANSITIONS[(from_status, to_status)]
    assert rules.can_transition(from_status, to_status) is allowed
    doc = initiative(from_status)
    if allowed:
        changed = rules.change_initiative(doc, by="coord", now=NOW + timedelta(hours=1),
                                          comment="why", status=to_status)
        assert changed["status"] == to_status
        assert changed["history"][-1] == {"at": NOW + timedelta(hours=1), "by": "coord",
                                          "from": from_status, "to": to_status, "comment": "why"}
        assert len(changed["history"]) == 2
        assert doc["status"] == from_status  # the input is not mutated
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.change_initiative(doc, by="coord", now=NOW, comment="why", status=to_status)
        assert refused.value.details["rule"] == "initiative_transition"
        assert refused.value.details["allowed"] == list(rules.TRANSITIONS[from_status])


def test_every_status_pair_is_in_the_expected_table():
    pairs = {(a, b) for a in rules.INITIATIVE_STATUSES for b in rules.INITIATIVE_STATUSES if a != b}
    assert pairs == set(EXPECTED_TRANSITIONS)


@pytest.mark.parametrize("comment", ["", "   ", None, "x" * (rules.MAX_COMMENT_CHARS + 1)])
def test_a_change_needs_a_comment(comment):
    with pytest.raises(ValidationFailed) as refused:
        rules.change_initiative(initiative(), by="coord", now=NOW, comment=comment,
                                status=IN_PROGRESS)
    assert "comment" in refused.value.details


def test_a_change_needs_something_to_change():
    with pytest.raises(ValidationFailed) as refused:
        rules.change_initiative(initiative(), by="coord", now=NOW, comment="nothing")
    assert "status" in refused.value.details
    with pytest.raises(RuleViolation) as same:
        rules.change_initiative(initiative(), by="coord", now=NOW, comment="same",
                                status=OPEN, due_date=date(2026, 6, 1))
    assert same.value.details["rule"] == "initiative_no_change"


def test_due_date_and_body_change_is_recorded_with_the_status_kept():
    changed = rules.change_initiative(initiative(IN_PROGRESS), by="coord", now=NOW,
                                      comment="more time", due_date=date(2026, 9, 1),
                                      responsible_body="Akimat: finance department")
    assert changed["status"] == IN_PROGRESS
    assert changed["due_date"] == date(2026, 9, 1)
    entry = changed["history"][-1]
    assert (entry["from"], entry["to"]) == (IN_PROGRESS, IN_PROGRESS)
    assert entry["changes"] == {"due_date": "2026-09-01",
                                "responsible_body": "Akimat: finance department"}


def test_unknown_status_is_a_validation_error():
    with pytest.raises(ValidationFailed) as refused:
        rules.change_initiative(initiative(), by="coord", now=NOW, comment="x", status="closed")
    assert "status" in refused.value.details


# --- automatic rules ------------------------------------------------------------------------------

def test_autonomy_proposal_is_keyed_by_region_year_and_period():
    payload = {"region_code": "KZ-62", "fiscal_year": 2026, "as_of_period": "2026-Q2",
               "own_revenue_share": Decimal("0.2100"), "threshold": Decimal("0.3000")}
    made = rules.autonomy_proposal(payload, date(2026, 7, 3))
    assert made.cause_key == "autonomy_below_threshold:KZ-62:2026:2026-Q2"
    assert made.region_code == "KZ-62" and made.kind == rules.AUTONOMY
    assert made.due_date == date(2026, 7, 3) + timedelta(days=90)
    assert made.responsible_body == ("Akimat of Ulytau region: finance and budget planning "
                                     "department")
    assert "0.2100" in made.title and "0.3000" in made.title
    assert rules.autonomy_proposal(payload, date(2026, 8, 1)).cause_key == made.cause_key


def project(stage="approved", entered=datetime(2026, 1, 1, 8, tzinfo=timezone.utc), **extra):
    return {"project_id": "p-1", "title": "Cement plant", "region_code": "KZ-35",
            "stage": stage, "stage_entered_at": entered, **extra}


@pytest.mark.parametrize("days_later,stalled", [(179, False), (180, False), (181, True),
                                                (400, True)])
def test_stalled_after_more_than_the_configured_days(days_later, stalled):
    today = date(2026, 1, 1) + timedelta(days=days_later)
    found = rules.stalled_project_proposals([project()], today)
    assert bool(found) is stalled
    if stalled:
        assert found[0].subject["days_in_stage"] == days_later
        assert found[0].cause_key == ("project_stalled:p-1:approved:"
                                      "2026-01-01T08:00:00+00:00")


@pytest.mark.parametrize("stage,counts", [
    ("proposed", True), ("appraised", True), ("approved", True), ("financed", True),
    ("under_implementation", True), ("suspended", True), ("commissioned", False),
    ("evaluated", False), ("cancelled", False)])
def test_only_open_stages_stall(stage, counts):
    found = rules.stalled_project_proposals([project(stage)], date(2027, 1, 1))
    assert bool(found) is counts


def test_stall_days_are_configurable():
    config = HubSettings(stall_days=30)
    assert rules.stalled_project_proposals([project()], date(2026, 2, 1), config)
    assert not rules.stalled_project_proposals([project()], date(2026, 1, 31), config)


def test_a_new_stay_in_another_stage_is_a_new_cause():
    first = rules.stalled_project_proposals([project()], date(2027, 1, 1))[0]
    later = rules.stalled_project_proposals(
        [project("financed", datetime(2026, 3, 1, tzinfo=timezone.utc))], date(2027, 1, 1))[0]
    assert first.cause_key != later.cause_key


def test_rotation_due_proposal():
    payload = {"servant_id": "s-9", "due_key": "s-9:pos-3:2022-02-01", "home_region": "KZ-10",
               "post_region": "KZ-10", "org_id": "org-1", "position_id": "pos-3",
               "post_start": date(2022, 2, 1), "due_date": date(2026, 2, 1), "years_in_post": 4,
               "extended": False}
    made = rules.rotation_due_proposal(payload)
    assert made.cause_key == "rotation_due:s-9:pos-3:2022-02-01"
    assert made.due_date == date(2026, 4, 2)  # 60 days after the rotation fell due
    assert made.subject["position_id"] == "pos-3" and made.subject["post_start"] == "2022-02-01"
    assert made.responsible_body == "Akimat of Abai region: human resources service"


@pytest.mark.parametrize("rotation,satisfies", [
    ({"servant_id": "s-9", "from_position_id": "pos-3", "start_date": date(2026, 3, 1)}, True),
    ({"servant_id": "s-9", "from_position_id": "pos-3", "start_date": date(2022, 2, 1)}, True),
    ({"servant_id": "s-9", "from_position_id": "pos-3", "start_date": date(2021, 1, 1)}, False),
    ({"servant_id": "s-9", "from_position_id": "pos-4", "start_date": date(2026, 3, 1)}, False),
    ({"servant_id": "s-8", "from_position_id": "pos-3", "start_date": date(2026, 3, 1)}, False),
    ({"servant_id": "s-9", "from_position_id": "pos-3", "start_date": None}, False),
])
def test_which_started_rotation_settles_a_due_date(rotation, satisfies):
    subject = {"servant_id": "s-9", "position_id": "pos-3", "post_start": "2022-02-01"}
    assert rules.rotation_start_satisfies(subject, rotation) is satisfies


# --- reporting calendar ---------------------------------------------------------------------------

def test_deadline_is_1_april_of_the_next_year():
    assert calendar.reporting_deadline(2025) == date(2026, 4, 1)
    assert calendar.reporting_deadline(2029) == date(2030, 4, 1)


@pytest.mark.parametrize("submitted_at,today,status", [
    (None, date(2026, 3, 31), calendar.PENDING),
    (None, date(2026, 4, 1), calendar.PENDING),
    (None, date(2026, 4, 2), calendar.OVERDUE),
    (datetime(2026, 2, 1, tzinfo=timezone.utc), date(2026, 2, 2), calendar.ON_TIME),
    # the deadline is a civil day (UTC+5), for the hub as for the budgets service's report
    (datetime(2026, 4, 1, 18, 59, tzinfo=timezone.utc), date(2026, 5, 1), calendar.ON_TIME),
    (datetime(2026, 4, 1, 19, 0, 1, tzinfo=timezone.utc), date(2026, 5, 1), calendar.LATE),
    (datetime(2026, 4, 1, 23, 59, tzinfo=timezone.utc), date(2026, 5, 1), calendar.LATE),
    (datetime(2026, 4, 1, 23, 30, tzinfo=timezone(timedelta(hours=5))), date(2026, 5, 1),
     calendar.ON_TIME),
])
def test_report_status(submitted_at, today, status):
    assert calendar.report_status(2025, submitted_at, today) == status


def test_overdue_years_start_at_the_first_reporting_year():
    assert calendar.overdue_reporting_years(date(2026, 4, 1)) == []
    assert calendar.overdue_reporting_years(date(2026, 4, 2)) == [2025]
    assert calendar.overdue_reporting_years(date(2028, 6, 1)) == [2025, 2026, 2027]
    later_start = HubSettings(first_reporting_year=2027)
    assert calendar.overdue_reporting_years(date(2028, 6, 1), later_start) == [2027]


def test_overdue_report_proposals_skip_submitted_reports():
    reports = {("KZ-10", 2025): {"submitted_at": NOW}}
    made = calendar.overdue_report_proposals(["KZ-10", "KZ-11"], reports, date(2026, 4, 2))
    assert [(p.region_code, p.cause_key) for p in made] == [
        ("KZ-11", "annual_report_overdue:KZ-11:2025")]
    assert made[0].due_date == date(2026, 4, 16)


def test_calendar_entry():
    entry = calendar.calendar_entry("KZ-71", 2025, None, date(2026, 1, 1))
    assert entry == {"region_code": "KZ-71", "region_name": "Astana", "reporting_year": 2025,
                     "due_date": date(2026, 4, 1), "status": calendar.PENDING, "report_id": None,
                     "first_generated_at": None, "last_generated_at": None,
                     "submitted_at": None, "submitted_by": None, "acknowledged_at": None}


def test_a_generated_report_is_not_a_submitted_one():
    generated = {"report_id": "r-1", "first_generated_at": NOW, "last_generated_at": NOW}
    on_time = datetime(2026, 3, 30, 9, tzinfo=timezone.utc)
    entry = calendar.calendar_entry("KZ-71", 2025, generated, date(2026, 4, 2))
    assert entry["status"] == calendar.OVERDUE and entry["first_generated_at"] == NOW
    submitted = calendar.calendar_entry("KZ-71", 2025, generated, date(2026, 4, 2),
                                        submission={"submitted_at": on_time,
                                                    "submitted_by": "akimat"})
    assert submitted["status"] == calendar.ON_TIME == "submitted_on_time"
    assert submitted["submitted_by"] == "akimat"


# --- ordering keys and config ---------------------------------------------------------------------

def test_order_key_sorts_by_instant_across_time_zones_then_event_id():
    utc = datetime(2026, 1, 1, 10, 0, tzinfo=timezone.utc)
    same_in_astana = utc.astimezone(timezone(timedelta(hours=5)))
    assert documents.order_key(same_in_astana, "a") == documents.order_key(utc, "a")
    assert documents.order_key(utc, "a") < documents.order_key(utc, "b")
    assert documents.order_key(utc, "z") < documents.order_key(utc + timedelta(microseconds=1), "a")


@pytest.mark.parametrize("older,newer", [("requested", "approved"), ("approved", "started"),
                                         ("started", "completed"), ("requested", "cancelled"),
                                         ("started", "returning")])
def test_rotation_order_ranks_status_before_time(older, newer):
    late = datetime(2027, 1, 1, tzinfo=timezone.utc)
    early = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert documents.rotation_order(older, late, "e") < documents.rotation_order(newer, early, "e")


def test_rotation_document_keeps_only_fields_the_event_carries():
    doc = documents.rotation_document({"rotation_id": "r", "servant_id": "s", "status": "started",
                                   "previous_end": date(2028, 1, 1),
                                   "new_end": date(2029, 1, 1)})
    assert doc["planned_end"] == date(2029, 1, 1)
    assert "start_date" not in doc and "end_date" not in doc


@pytest.mark.parametrize("bad", [dict(stall_days=0), dict(stall_days=-3),
                                 dict(stall_stages=("proposed", "dreaming")),
                                 dict(report_deadline_month=2, report_deadline_day=30)])
def test_config_refuses_nonsense(bad):
    with pytest.raises(ValueError):
        HubSettings(**bad)


@pytest.mark.parametrize("value,met", [(Decimal("96"), True), (Decimal("95.9"), False),
                                       (None, None)])
def test_srs_city_target_is_at_least_96(value, met):
    target = next(t for t in rules.SRS_TARGETS_2030 if t.indicator == "cities_pct")
    assert target.met(value) is met


@pytest.mark.parametrize("value,met", [(Decimal("90"), False), (Decimal("90.1"), True)])
def test_rural_population_target_is_more_than_90(value, met):
    target = next(t for t in rules.SRS_TARGETS_2030 if t.indicator == "rural_population_pct")
    assert target.met(value) is met
