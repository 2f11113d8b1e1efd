"""The hub's read models and automatic initiatives against the real store: every update is
idempotent (redelivery) and ignores older news (out-of-order delivery); each rule opens one
initiative per cause and resolves it when the cause goes away."""
import uuid
from datetime import date, datetime, timezone

import pytest

from services.common.errors import StaleVersion
from services.common.mongo import get_client
from services.gateway.hub import rules
from services.gateway.hub.calendar import LATE, calendar_entry
from services.gateway.hub.initiatives_repository import InitiativeRepository
from services.gateway.hub.projections_repository import HubReadModels
from services.gateway.hub.reactions import HubReactions
from services.gateway.hub.scorecards import region_scorecard
from tests.support.hub_events import (
    at,
    autonomy_payload,
    envelope,
    forecast_payload,
    indicators_payload,
    project_event,
    project_snapshot,
    received,
    report_payload,
    rotation_due_payload,
    rotation_payload,
)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
TODAY = NOW.date()


@pytest.fixture
def hub(db_prefix):
    client = get_client()
    db = client[f"{db_prefix}_hubmodels_{uuid.uuid4().hex[:6]}"]
    HubReadModels.ensure_indexes(db)
    InitiativeRepository.ensure_indexes(db)
    yield HubReactions(HubReadModels(db), InitiativeRepository(db), clock=lambda: NOW)
    client.drop_database(db.name)


def deliver(hub, *wires, times=1):
    for wire in wires:
        for _ in range(times):
            hub.on_event(received(wire))


def card(hub, region="KZ-35", today=TODAY):
    facts = hub.models.region_facts([region], today)
    facts[region].initiatives_by_status = hub.initiatives.counts_by_region([region]).get(region, {})
    return region_scorecard(facts[region], today)


def initiatives(hub, **filters):
    return hub.initiatives.query(**filters)[0]


# --- projects -------------------------------------------------------------------------------------

def test_a_project_row_write_answers_the_row_as_stored_and_none_when_a_newer_is_there(hub):
    """The stalled-project reaction uses the answer instead of reading the row back."""
    pid = str(uuid.uuid4())
    newer = project_snapshot(pid, stage="approved", version=3, stage_entered_at=at(3))
    written = hub.models.apply_project(newer)
    stored = hub.models.project(pid)
    assert written is not None
    assert {k: written[k] for k in written} == {k: stored[k] for k in written}
    assert written["stage_entered_at"] == stored["stage_entered_at"]
    assert hub.models.apply_project(project_snapshot(pid, version=2)) is None
    assert hub.models.project(pid)["version"] == 3


def test_project_redelivery_and_older_versions_change_nothing(hub):
    pid = str(uuid.uuid4())
    registered = envelope(*project_event("project_registered",
                                         project_snapshot(pid, cost="500.00")))
    approved = envelope(*project_event("project_stage_changed", project_snapshot(
        pid, stage="approved", version=2, cost="500.00", stage_entered_at=at(3))),
        occurred_at=at(3))
    progressed = envelope(*project_event("project_progress_reported", project_snapshot(
        pid, stage="approved", version=3, cost="500.00", jobs_created=4, invested="120.00",
        stage_entered_at=at(3))), occurred_at=at(4))
    deliver(hub, progressed, approved, registered, times=2)  # newest first, each twice
    projects = card(hub)["projects"]
    assert projects["total"] == 1 and projects["by_stage"]["approved"] == 1
    assert projects["investment_committed_kzt"] == "500.00"
    assert (projects["jobs_created"], projects["invested_to_date_kzt"]) == (4, "120.00")
    assert hub.models.project(pid)["version"] == 3


def test_a_project_moved_to_another_region_leaves_the_first_scorecard(hub):
    pid = str(uuid.uuid4())
    deliver(hub, envelope(*project_event("project_registered", project_snapshot(pid))),
            envelope(*project_event("project_updated", project_snapshot(pid, "KZ-10", version=2)),
                     occurred_at=at(1)))
    assert card(hub, "KZ-35")["projects"]["total"] == 0
    assert card(hub, "KZ-10")["projects"]["total"] == 1


# --- budgets --------------------------------------------------------------------------------------

def test_indicators_forecast_and_alert_keep_the_latest_news(hub):
    newer = envelope("indicators_recalculated",
                     indicators_payload("KZ-35", 2026, "400.00", "600.00", period="2026-Q2"),
                     occurred_at=at(60))
    older = envelope("indicators_recalculated",
                     indicators_payload("KZ-35", 2026, "100.00", "900.00", period="2026-Q1"),
                     occurred_at=at(10))
    forecast_new = envelope("forecast_updated", forecast_payload("KZ-35", {"2027": "9.00"}),
                            occurred_at=at(5))
    forecast_old = envelope("forecast_updated", forecast_payload("KZ-35", {"2027": "1.00"}),
                            occurred_at=at(1))
    deliver(hub, newer, older, forecast_new, forecast_old, newer, older)
    fiscal = card(hub)["fiscal"]
    assert fiscal["own_revenue_share"] == "0.4000" and fiscal["as_of_period"] == "2026-Q2"
    assert fiscal["transfer_dependency"] == "0.6000"
    assert fiscal["forecast_kzt"] == {"2027": "9.00"}


def test_autonomy_alert_opens_one_initiative_per_crossing(hub):
    q1 = envelope("autonomy_below_threshold", autonomy_payload("KZ-35", 2026, "0.2000"))
    deliver(hub, q1, times=3)
    opened = initiatives(hub, kind=rules.AUTONOMY)
    assert len(opened) == 1
    assert opened[0]["event_ids"] == [q1["event_id"]]
    assert opened[0]["responsible_body"].startswith("Akimat of Karaganda region")
    assert opened[0]["due_date"] == date(2026, 4, 15)  # 90 days after the alert
    assert card(hub)["fiscal"]["autonomy_alert"]["own_revenue_share"] == "0.2000"
    # a later crossing (new period) is a new cause
    deliver(hub, envelope("autonomy_below_threshold",
                          autonomy_payload("KZ-35", 2026, "0.1900", period="2026-Q3"),
                          occurred_at=at(200)))
    assert len(initiatives(hub, kind=rules.AUTONOMY)) == 2
    assert card(hub)["initiatives"]["active"] == 2


def submit(hub, region, year, submitted_at):
    """A submitted 1 April report as hub/concept_report_repository.py stores it."""
    hub.models.db["hub_concept_reports"].insert_one({
        "_id": f"{region}|{year}", "region_code": region, "reporting_year": year,
        "status": "submitted", "submitted_at": submitted_at, "submitted_by": "akimat"})


def test_a_generated_report_is_shown_but_only_a_submission_settles_the_deadline(hub):
    result = hub.run_checks(date(2026, 4, 2))
    assert result["overdue_reports"] == 20 and len(result["opened"]) == 20
    assert hub.run_checks(date(2026, 4, 3))["opened"] == []  # the same causes: nothing new
    late = envelope("annual_report_generated",
                    report_payload("KZ-35", 2025, datetime(2026, 4, 20, tzinfo=timezone.utc)))
    again = envelope("annual_report_generated",
                     report_payload("KZ-35", 2025, datetime(2026, 6, 1, tzinfo=timezone.utc)))
    deliver(hub, again, late, late)
    report = hub.models.reports_for_years([2025])[("KZ-35", 2025)]
    assert report["first_generated_at"] == datetime(2026, 4, 20, tzinfo=timezone.utc)
    assert report["last_generated_at"] == datetime(2026, 6, 1, tzinfo=timezone.utc)
    entry = calendar_entry("KZ-35", 2025, report, TODAY)
    assert entry["status"] == "overdue"  # generated is not submitted
    overdue = hub.initiatives.find_by_cause("annual_report_overdue:KZ-35:2025")
    assert overdue["status"] == rules.OPEN
    submit(hub, "KZ-35", 2025, datetime(2026, 6, 2, tzinfo=timezone.utc))
    submission = hub.models.submissions_for_years([2025])[("KZ-35", 2025)]
    assert calendar_entry("KZ-35", 2025, report, TODAY, submission=submission)["status"] == LATE
    assert hub.run_checks(date(2026, 6, 3))["overdue_reports"] == 19


def test_report_submitted_before_the_deadline_opens_nothing(hub):
    submit(hub, "KZ-10", 2025, datetime(2026, 3, 1, tzinfo=timezone.utc))
    hub.run_checks(date(2026, 4, 2))
    assert hub.initiatives.find_by_cause("annual_report_overdue:KZ-10:2025") is None
    assert hub.initiatives.find_by_cause("annual_report_overdue:KZ-11:2025") is not None


# --- personnel ------------------------------------------------------------------------------------

def test_rotation_status_only_moves_forward(hub):
    requested = envelope("rotation_requested", rotation_payload("rotation_requested", "r1", "s1"),
                         occurred_at=at(0))
    started = envelope("rotation_started", rotation_payload("rotation_started", "r1", "s1"),
                       occurred_at=at(10))
    deliver(hub, started, requested, started)
    mobility = card(hub)["mobility"]
    assert (mobility["rotations_out"], mobility["requests_pending"]) == (1, 0)
    completed = envelope("rotation_completed", rotation_payload("rotation_completed", "r1", "s1"),
                         occurred_at=at(700))
    deliver(hub, completed, started)
    mobility = card(hub)["mobility"]
    assert (mobility["rotations_out"], mobility["completed_cycles"]) == (0, 1)


def test_rotation_into_another_region_counts_on_both_ends(hub):
    deliver(hub, envelope("rotation_started", rotation_payload(
        "rotation_started", "r2", "s2", from_region="KZ-35", to_region="KZ-10",
        direction="region_to_region")))
    assert card(hub, "KZ-35")["mobility"]["rotations_out"] == 1
    assert card(hub, "KZ-10")["mobility"]["rotations_in"] == 1


def test_rotation_due_opens_once_and_the_start_resolves_it(hub):
    due = envelope("rotation_due", rotation_due_payload("s3"))
    deliver(hub, due, times=2)
    opened = initiatives(hub, kind=rules.ROTATION_DUE)
    assert len(opened) == 1 and opened[0]["status"] == rules.OPEN
    assert card(hub)["mobility"]["due_now"] == 1
    # a rotation of another post of the same servant does not settle it
    deliver(hub, envelope("rotation_started", rotation_payload(
        "rotation_started", "r-other", "s3", from_position_id="pos-9")))
    assert initiatives(hub, kind=rules.ROTATION_DUE)[0]["status"] == rules.OPEN
    started = envelope("rotation_started", rotation_payload("rotation_started", "r3", "s3"),
                       occurred_at=at(20))
    deliver(hub, started, times=2)
    settled = initiatives(hub, kind=rules.ROTATION_DUE)[0]
    assert settled["status"] == rules.RESOLVED
    assert len(settled["history"]) == 2 and settled["history"][1]["by"] == rules.SYSTEM_ACTOR
    assert "r3" in settled["history"][1]["comment"]
    assert sorted(settled["event_ids"]) == sorted([due["event_id"], started["event_id"]])
    assert card(hub)["mobility"]["due_now"] == 0


def test_rotation_started_before_its_due_event_arrives_opens_nothing(hub):
    deliver(hub, envelope("rotation_started", rotation_payload("rotation_started", "r4", "s4")),
            envelope("rotation_due", rotation_due_payload("s4")))
    assert initiatives(hub, kind=rules.ROTATION_DUE) == []
    assert card(hub)["mobility"]["due_now"] == 0


def test_rotation_started_while_the_due_initiative_opens_is_caught(hub, monkeypatch):
    opening = hub.initiatives.open

    def open_then_start(*args, **kwargs):
        result = opening(*args, **kwargs)
        # the start lands in the read model between opening and the re-check
        hub.models.apply_rotation(received(envelope("rotation_started", rotation_payload(
            "rotation_started", "r5", "s5")))["payload"], at(1), str(uuid.uuid4()))
        return result

    monkeypatch.setattr(hub.initiatives, "open", open_then_start)
    deliver(hub, envelope("rotation_due", rotation_due_payload("s5")))
    assert [i["status"] for i in initiatives(hub, kind=rules.ROTATION_DUE)] == [rules.RESOLVED]


# --- stalled projects -----------------------------------------------------------------------------

def test_stalled_project_opens_once_and_resolves_when_the_project_moves_on(hub):
    pid = str(uuid.uuid4())
    deliver(hub, envelope(*project_event("project_registered", project_snapshot(
        pid, stage_entered_at=datetime(2026, 1, 10, tzinfo=timezone.utc)))))
    hub.config = rules.HubSettings(first_reporting_year=2030)  # keep report checks out of this
    assert hub.run_checks(date(2026, 7, 9))["opened"] == []   # 180 days: not yet
    first = hub.run_checks(date(2026, 7, 10))                 # 181 days
    assert first["stalled_projects"] == 1 and len(first["opened"]) == 1
    assert hub.run_checks(date(2026, 8, 1))["opened"] == []   # same cause, nothing new
    stalled = initiatives(hub, kind=rules.STALLED_PROJECT)
    assert len(stalled) == 1 and stalled[0]["subject"]["project_id"] == pid
    assert stalled[0]["due_date"] == date(2026, 8, 9)
    moved = envelope(*project_event("project_stage_changed", project_snapshot(
        pid, stage="appraised", version=2,
        stage_entered_at=datetime(2026, 8, 2, tzinfo=timezone.utc))), occurred_at=at(200))
    deliver(hub, moved, times=2)
    resolved = initiatives(hub, kind=rules.STALLED_PROJECT)[0]
    assert resolved["status"] == rules.RESOLVED and moved["event_id"] in resolved["event_ids"]
    # stuck again in the new stage: a new cause, a new initiative
    assert len(hub.run_checks(date(2027, 3, 1))["opened"]) == 1
    assert len(initiatives(hub, kind=rules.STALLED_PROJECT, status="open")) == 1


def test_stall_days_come_from_the_config(hub):
    hub.config = rules.HubSettings(stall_days=30, first_reporting_year=2030)
    pid = str(uuid.uuid4())
    deliver(hub, envelope(*project_event("project_registered", project_snapshot(
        pid, stage_entered_at=datetime(2026, 1, 10, tzinfo=timezone.utc)))))
    assert len(hub.run_checks(date(2026, 2, 10))["opened"]) == 1


# --- people's changes against automatic ones ------------------------------------------------------

def test_a_person_working_on_a_stale_copy_is_refused(hub):
    deliver(hub, envelope("rotation_due", rotation_due_payload("s6")))
    copy = initiatives(hub, kind=rules.ROTATION_DUE)[0]
    deliver(hub, envelope("rotation_started", rotation_payload("rotation_started", "r6", "s6")))
    changed = rules.change_initiative(copy, by="coord", now=NOW, comment="on it",
                                      status=rules.IN_PROGRESS)
    with pytest.raises(StaleVersion):
        hub.initiatives.replace(changed, copy["version"])
    fresh = initiatives(hub, kind=rules.ROTATION_DUE)[0]
    assert fresh["status"] == rules.RESOLVED and fresh["version"] == 2


def test_srs_values_are_kept_with_history(hub):
    hub.models.put_srs("KZ-35", {"cities_pct": "80.0", "source": "A", "as_of": date(2025, 1, 1)},
                       by="coord", now=NOW)
    hub.models.put_srs("KZ-35", {"cities_pct": "82.5", "rural_pct": "60.0", "source": "B",
                                 "as_of": date(2025, 7, 1)}, by="coord", now=NOW)
    assert hub.models.get_srs("KZ-35")["cities_pct"] == "82.5"
    assert [h["source"] for h in hub.models.srs_history("KZ-35")] == ["A", "B"]
    srs = card(hub)["srs"]
    assert srs["recorded"]["as_of"] == "2025-07-01"
    assert [t["current_pct"] for t in srs["targets_2030"]] == ["82.5", "60.0", None]
