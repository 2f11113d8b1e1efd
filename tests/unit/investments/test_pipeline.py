"""Stage transitions: the whole from × to table, suspension and resumption, commissioning and
cancelling prerequisites, history entries, version conflicts."""
from datetime import date, datetime, timedelta, timezone

import pytest

from services.common.errors import RuleViolation, StaleVersion, ValidationFailed
from services.investments.application.demo_data import advance, example_project
from services.investments.domain import (
    STAGES,
    allowed_next_stages,
    change_stage,
    register_project,
    report_progress,
)

NOW = datetime(2025, 11, 3, 6, 0, tzinfo=timezone.utc)
TODAY = date(2025, 11, 3)  # local (UTC+5) date of NOW
BY = "officer-7"

# The table, written out independently of the implementation.
EXPECTED_ALLOWED = {
    "proposed": {"appraised", "suspended", "cancelled"},
    "appraised": {"approved", "suspended", "cancelled"},
    "approved": {"financed", "suspended", "cancelled"},
    "financed": {"under_implementation", "suspended", "cancelled"},
    "under_implementation": {"commissioned", "suspended", "cancelled"},
    "commissioned": {"evaluated"},
    "evaluated": set(),
    "cancelled": set(),
}
SUSPENDABLE = ["proposed", "appraised", "approved", "financed", "under_implementation"]
for _origin in SUSPENDABLE:
    EXPECTED_ALLOWED[f"suspended<{_origin}"] = {_origin, "cancelled"}

SOURCES = sorted(EXPECTED_ALLOWED)


def new_project():
    project, _ = register_project(example_project(), project_id="p-1", now=NOW, by=BY)
    return project


def project_at(source: str) -> dict:
    """A project brought to ``source`` by real commands; ``suspended<X>`` = suspended from X."""
    if source.startswith("suspended<"):
        project, _ = advance(new_project(), "suspended", now=NOW, by=BY,
                             interrupted_at=source[len("suspended<"):])
    else:
        project, _ = advance(new_project(), source, now=NOW, by=BY)
    if project["jobs_created"] == 0 and project["stage"] not in ("evaluated", "cancelled"):
        # So that a move to commissioned is judged on the transition alone.
        project, _ = report_progress(project, {
            "expected_version": project["version"], "report_date": TODAY.isoformat(),
            "invested_to_date_kzt": "1000.00", "jobs_created_to_date": 10}, now=NOW, by=BY)
    return project


def command(project: dict, target: str, **extra) -> dict:
    cmd = {"stage": target, "expected_version": project["version"], "reason": "decided"}
    if target == "commissioned":
        cmd["actual_commissioning"] = (TODAY - timedelta(days=1)).isoformat()
    cmd.update(extra)
    return cmd


def test_the_table_covers_every_stage():
    plain = {s.split("<")[0] for s in EXPECTED_ALLOWED}
    assert plain == set(STAGES)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("target", STAGES)
def test_transition_table(source, target):
    project = project_at(source)
    expected = EXPECTED_ALLOWED[source]
    if target in expected:
        new, events = change_stage(project, command(project, target), now=NOW, by=BY)
        assert new["stage"] == target
        assert new["version"] == project["version"] + 1
        assert new["stage_entered_at"] == NOW
        assert new["stage_history"][-1] == {"from": project["stage"], "to": target, "at": NOW,
                                            "by": BY, "reason": "decided"}
        assert len(new["stage_history"]) == len(project["stage_history"]) + 1
        assert events[0][0] == "project_stage_changed"
        assert events[0][1]["from_stage"] == project["stage"]
        assert events[0][1]["to_stage"] == target
        extra = {"commissioned": ["project_commissioned"],
                 "cancelled": ["project_cancelled"]}.get(target, [])
        assert [e[0] for e in events[1:]] == extra
    else:
        with pytest.raises(RuleViolation) as caught:
            change_stage(project, command(project, target), now=NOW, by=BY)
        assert caught.value.details == {"rule": "stage_transition", "from": project["stage"],
                                        "to": target, "allowed": sorted(expected)}


@pytest.mark.parametrize("source", SOURCES)
def test_allowed_next_stages_matches_the_table(source):
    project = project_at(source)
    assert allowed_next_stages(project["stage"], project["suspended_from"]) == sorted(
        EXPECTED_ALLOWED[source])


def test_suspended_without_a_recorded_origin_can_only_be_cancelled():
    assert allowed_next_stages("suspended", None) == ["cancelled"]


@pytest.mark.parametrize("origin", SUSPENDABLE)
def test_suspend_records_origin_and_resume_returns_to_it(origin):
    project, _ = advance(new_project(), origin, now=NOW, by=BY)
    suspended, _ = change_stage(project, command(project, "suspended"), now=NOW, by=BY)
    assert suspended["suspended_from"] == origin
    resumed, events = change_stage(suspended, command(suspended, origin), now=NOW, by=BY)
    assert resumed["stage"] == origin and resumed["suspended_from"] is None
    assert resumed["stage_history"][-2:] == [
        {"from": origin, "to": "suspended", "at": NOW, "by": BY, "reason": "decided"},
        {"from": "suspended", "to": origin, "at": NOW, "by": BY, "reason": "decided"}]
    assert events[0][1]["suspended_from"] is None


def test_a_project_cannot_resume_into_a_later_stage():
    project, _ = advance(new_project(), "suspended", now=NOW, by=BY, interrupted_at="approved")
    with pytest.raises(RuleViolation) as caught:
        change_stage(project, command(project, "financed"), now=NOW, by=BY)
    assert caught.value.details["allowed"] == ["approved", "cancelled"]


def test_commissioned_cannot_be_suspended_or_cancelled():
    project = project_at("commissioned")
    for target in ("suspended", "cancelled"):
        with pytest.raises(RuleViolation) as caught:
            change_stage(project, command(project, target), now=NOW, by=BY)
        assert caught.value.details["allowed"] == ["evaluated"]


def test_commissioning_needs_actual_date_and_jobs():
    project, _ = advance(new_project(), "under_implementation", now=NOW, by=BY)
    cmd = {"stage": "commissioned", "expected_version": project["version"]}
    with pytest.raises(RuleViolation) as caught:
        change_stage(project, cmd, now=NOW, by=BY)
    assert caught.value.details == {"rule": "commissioning_prerequisites",
                                    "missing": ["actual_commissioning", "jobs_created"]}
    with pytest.raises(RuleViolation) as caught:
        change_stage(project, {**cmd, "actual_commissioning": "2025-10-01"}, now=NOW, by=BY)
    assert caught.value.details["missing"] == ["jobs_created"]
    reported, _ = report_progress(project, {
        "expected_version": project["version"], "report_date": "2025-10-01",
        "invested_to_date_kzt": "5.00", "jobs_created_to_date": 0}, now=NOW, by=BY)
    with pytest.raises(RuleViolation) as caught:
        change_stage(reported, {**cmd, "expected_version": reported["version"],
                                "actual_commissioning": "2025-10-01"}, now=NOW, by=BY)
    assert caught.value.details["missing"] == ["jobs_created"]  # zero jobs is not enough


def test_commissioning_with_a_date_sets_it_and_emits_the_contract_fact():
    project = project_at("under_implementation")
    new, events = change_stage(project, command(project, "commissioned",
                                                actual_commissioning="2025-10-15"),
                               now=NOW, by=BY)
    assert new["actual_commissioning"] == date(2025, 10, 15)
    kind, payload = events[1]
    assert kind == "project_commissioned"
    assert payload["actual_commissioning"] == "2025-10-15"
    assert payload["jobs_created"] == new["jobs_created"] > 0
    assert payload["expected_annual_local_revenue_kzt"] == "310000000.00"
    assert payload["cost_kzt"] == "12500000000.00"
    assert payload["project_id"] == "p-1" and payload["region_code"] == "KZ-39"


@pytest.mark.parametrize("day,field,reason", [
    ("2025-11-04", "actual_commissioning", "must not be in the future"),
    ("2000-01-01", "actual_commissioning", "must not be before actual_start"),
])
def test_commissioning_date_rules(day, field, reason):
    project = project_at("under_implementation")
    with pytest.raises(ValidationFailed) as caught:
        change_stage(project, command(project, "commissioned", actual_commissioning=day),
                     now=NOW, by=BY)
    assert caught.value.details == {field: [reason]}


def test_today_is_the_local_day():
    # 20:00 UTC on 3 Nov is 01:00 on 4 Nov in Kazakhstan: 4 Nov is not in the future any more.
    late = datetime(2025, 11, 3, 20, 0, tzinfo=timezone.utc)
    project = project_at("under_implementation")
    new, _ = change_stage(project, command(project, "commissioned",
                                           actual_commissioning="2025-11-04"), now=late, by=BY)
    assert new["actual_commissioning"] == date(2025, 11, 4)


def test_actual_start_comes_with_under_implementation():
    project, _ = advance(new_project(), "financed", now=NOW, by=BY)
    new, events = change_stage(project, command(project, "under_implementation",
                                                actual_start="2025-09-01"), now=NOW, by=BY)
    assert new["actual_start"] == date(2025, 9, 1)
    assert events[0][1]["actual_start"] == "2025-09-01"


@pytest.mark.parametrize("target,field", [
    ("appraised", "actual_start"), ("appraised", "actual_commissioning"),
    ("suspended", "actual_commissioning"), ("under_implementation", "actual_commissioning"),
])
def test_actual_dates_only_with_their_moves(target, field):
    project = new_project()
    with pytest.raises(ValidationFailed) as caught:
        change_stage(project, command(project, target, **{field: "2025-09-01"}), now=NOW, by=BY)
    assert list(caught.value.details) == [field]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_cancelling_requires_a_reason(reason):
    project = new_project()
    cmd = {"stage": "cancelled", "expected_version": 1}
    if reason is not None:
        cmd["reason"] = reason
    with pytest.raises(ValidationFailed) as caught:
        change_stage(project, cmd, now=NOW, by=BY)
    assert caught.value.details == {"reason": ["required when cancelling"]}


def test_cancelling_stores_the_reason_and_emits_the_cancelled_fact():
    project, _ = advance(new_project(), "suspended", now=NOW, by=BY, interrupted_at="financed")
    new, events = change_stage(project, command(project, "cancelled",
                                                reason=" investor withdrew "), now=NOW, by=BY)
    assert new["cancellation_reason"] == "investor withdrew"
    assert new["suspended_from"] is None
    assert [e[0] for e in events] == ["project_stage_changed", "project_cancelled"]
    payload = events[1][1]
    assert payload["reason"] == "investor withdrew"
    assert payload["previous_stage"] == "suspended"
    assert payload["project_id"] == "p-1" and payload["region_code"] == "KZ-39"


def test_other_moves_take_an_optional_reason():
    project = new_project()
    new, _ = change_stage(project, {"stage": "appraised", "expected_version": 1}, now=NOW, by=BY)
    assert new["stage_history"][-1]["reason"] is None


@pytest.mark.parametrize("cmd,field", [
    ({"expected_version": 1}, "stage"),
    ({"stage": "launched", "expected_version": 1}, "stage"),
    ({"stage": "appraised"}, "expected_version"),
    ({"stage": "appraised", "expected_version": 0}, "expected_version"),
    ({"stage": "appraised", "expected_version": "1"}, "expected_version"),
    ({"stage": "appraised", "expected_version": True}, "expected_version"),
    ({"stage": "appraised", "expected_version": 1, "reason": 5}, "reason"),
    ({"stage": "appraised", "expected_version": 1, "reason": "x" * 1001}, "reason"),
    ({"stage": "appraised", "expected_version": 1, "priority": True}, "priority"),
    ({"stage": "under_implementation", "expected_version": 1, "actual_start": "yesterday"},
     "actual_start"),
])
def test_bad_stage_change_input(cmd, field):
    with pytest.raises(ValidationFailed) as caught:
        change_stage(new_project(), cmd, now=NOW, by=BY)
    assert field in caught.value.details


@pytest.mark.parametrize("expected", [2, 7])
def test_stale_version(expected):
    project = new_project()
    with pytest.raises(StaleVersion) as caught:
        change_stage(project, {"stage": "appraised", "expected_version": expected},
                     now=NOW, by=BY)
    assert caught.value.details == {"expected": expected, "actual": 1}


def test_version_is_checked_before_the_transition_rule():
    project = new_project()
    with pytest.raises(StaleVersion):
        change_stage(project, {"stage": "evaluated", "expected_version": 3}, now=NOW, by=BY)


def test_the_input_project_is_not_mutated():
    project = new_project()
    before = repr(project)
    change_stage(project, {"stage": "appraised", "expected_version": 1}, now=NOW, by=BY)
    assert repr(project) == before


def test_versions_climb_one_per_command_along_the_whole_path():
    project, events = advance(new_project(), "evaluated", now=NOW, by=BY)
    # registration=1, 5 moves + 1 report + commissioned + evaluated
    assert project["version"] == 1 + 4 + 1 + 2
    versions = [payload["version"] for _, payload in events]
    assert versions == sorted(versions) and versions[-1] == project["version"]
    assert [h["to"] for h in project["stage_history"]] == [
        "proposed", "appraised", "approved", "financed", "under_implementation", "commissioned",
        "evaluated"]
