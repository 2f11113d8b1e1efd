"""The hub inside the running gateway service: events published on the bus move the journal,
scorecards, calendar and initiatives served over HTTP; the deadline checks run by HTTP and RPC."""
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from services.common.clock import civil_today
from services.common.regions import REGION_CODES
from tests.support import wait_until
from tests.support.gateway_harness import gateway, start_gateway  # noqa: F401  (fixture)
from tests.support.hub_events import (
    at,
    autonomy_payload,
    envelope,
    forecast_payload,
    indicators_payload,
    project_event,
    project_snapshot,
    report_payload,
    rotation_due_payload,
    rotation_payload,
)

pytestmark = pytest.mark.integration

HOME, ELSEWHERE = "KZ-35", "KZ-10"


def test_events_of_every_service_move_the_scorecard_and_redelivery_changes_nothing(gateway):
    pid = str(uuid.uuid4())
    wires = [
        envelope(*project_event("project_registered", project_snapshot(pid, cost="2000.00",
                                                                        jobs_planned=50))),
        envelope(*project_event("project_commissioned", project_snapshot(
            pid, stage="commissioned", version=4, cost="2000.00", jobs_planned=50,
            jobs_created=45, invested="2000.00", actual_commissioning="2026-06-01",
            stage_entered_at=at(150))), occurred_at=at(150)),
        envelope("indicators_recalculated", indicators_payload(HOME, 2026, "250.00", "750.00")),
        envelope("forecast_updated", forecast_payload(HOME, {"2027": "1500.00"})),
        envelope("autonomy_below_threshold", autonomy_payload(HOME, 2026, "0.2500")),
        envelope("rotation_started", rotation_payload("rotation_started", "r-1", "s-1")),
        envelope("rotation_completed", rotation_payload("rotation_completed", "r-0", "s-0"),
                 occurred_at=at(5)),
        envelope("rotation_due", rotation_due_payload("s-2")),
    ]
    gateway.publish(*wires)
    gateway.wait_handled()
    analyst = gateway.api("ministry_analyst")
    first = analyst.get(f"/api/v1/hub/scorecards/{HOME}")
    assert first.status_code == 200, first.text
    card = first.json()
    assert card["projects"]["by_stage"]["commissioned"] == 1
    assert card["projects"]["investment_commissioned_kzt"] == "2000.00"
    assert (card["projects"]["jobs_planned"], card["projects"]["jobs_created"]) == (50, 45)
    assert card["fiscal"]["own_revenue_share"] == "0.2500"
    assert card["fiscal"]["forecast_kzt"] == {"2027": "1500.00"}
    assert card["fiscal"]["autonomy_alert"]["threshold"] == "0.3000"
    assert card["mobility"] == {"rotations_out": 1, "rotations_in": 0, "completed_cycles": 1,
                                "requests_pending": 0, "due_now": 1}
    assert card["initiatives"]["by_status"] == {"open": 2}  # autonomy + rotation due

    gateway.publish(*wires, *reversed(wires))  # every event twice more, in both orders
    gateway.wait_handled()
    again = analyst.get(f"/api/v1/hub/scorecards/{HOME}").json()
    # a redelivered project event marks its region again (that is how a crash before the mark
    # is repaired), so the totals may be recomputed: same figures, a later computed_at
    note, again_note = card.pop("project_totals"), again.pop("project_totals")
    assert again_note["computed_at"] >= note["computed_at"]
    assert again == card
    journal = analyst.get("/api/v1/hub/journal", params={"limit": 200}).json()
    assert journal["total"] == len(wires)


def test_journal_filters(gateway):
    correlation = str(uuid.uuid4())
    wires = [
        envelope(*project_event("project_registered", project_snapshot(str(uuid.uuid4()), HOME)),
                 occurred_at=at(0), correlation_id=correlation),
        envelope(*project_event("project_registered",
                                project_snapshot(str(uuid.uuid4()), ELSEWHERE)),
                 occurred_at=at(1)),
        envelope("indicators_recalculated", indicators_payload(HOME, 2026, "1.00", "1.00"),
                 occurred_at=at(2), correlation_id=correlation),
        envelope("rotation_requested", rotation_payload("rotation_requested", "r-9", "s-9"),
                 occurred_at=at(3)),
    ]
    gateway.publish(*wires)
    gateway.wait_handled()
    analyst = gateway.api("ministry_analyst")

    def ids(**params):
        answer = analyst.get("/api/v1/hub/journal", params=params)
        assert answer.status_code == 200, answer.text
        return [item["event_id"] for item in answer.json()["items"]]

    all_ids = [w["event_id"] for w in wires]
    assert ids() == list(reversed(all_ids))  # newest first
    assert ids(region=HOME) == [all_ids[3], all_ids[2], all_ids[0]]
    assert ids(source="budgets") == [all_ids[2]]
    assert ids(type="project_registered") == [all_ids[1], all_ids[0]]
    assert ids(correlation_id=correlation) == [all_ids[2], all_ids[0]]
    assert ids(since=at(1).isoformat(), until=at(3).isoformat()) == [all_ids[2], all_ids[1]]
    assert ids(limit=1, offset=1) == [all_ids[2]]
    officer = gateway.api("regional_officer", ELSEWHERE)
    own = officer.get("/api/v1/hub/journal").json()
    assert [i["event_id"] for i in own["items"]] == [all_ids[1]]
    assert officer.get("/api/v1/hub/journal", params={"region": HOME}).status_code == 403
    naive = analyst.get("/api/v1/hub/journal", params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 400 and "since" in naive.json()["details"]
    assert analyst.get("/api/v1/hub/journal", params={"limit": 201}).status_code == 400
    assert gateway.api("hr_officer").get("/api/v1/hub/journal").status_code == 403


def test_initiative_lifecycle(gateway):
    coordinator = gateway.api("office_coordinator", subject="coord-1")
    body = {"region_code": HOME, "title": "Road to the industrial zone",
            "responsible_body": "Akimat of Karaganda region", "due_date": "2026-12-31"}
    created = coordinator.post("/api/v1/hub/initiatives", json=body)
    assert created.status_code == 201, created.text
    initiative = created.json()
    assert initiative["kind"] == "manual" and initiative["status"] == "open"
    assert initiative["history"][0]["by"] == "coord-1"
    url = f"/api/v1/hub/initiatives/{initiative['id']}"

    moved = coordinator.patch(url, json={"status": "in_progress", "comment": "assigned",
                                         "expected_version": 1})
    assert moved.status_code == 200, moved.text
    assert moved.json()["version"] == 2
    assert moved.json()["history"][-1] | {"at": None} == {
        "at": None, "by": "coord-1", "from": "open", "to": "in_progress", "comment": "assigned"}
    stale = coordinator.patch(url, json={"status": "resolved", "comment": "x",
                                         "expected_version": 1})
    assert stale.status_code == 409 and stale.json()["error"] == "stale_version"
    assert coordinator.patch(url, json={"status": "dismissed"}).status_code == 400
    resolved = coordinator.patch(url, json={"status": "resolved", "comment": "road built"})
    assert resolved.json()["status"] == "resolved"
    refused = coordinator.patch(url, json={"status": "dismissed", "comment": "changed mind"})
    assert refused.status_code == 409
    assert refused.json()["details"]["rule"] == "initiative_transition"

    listing = gateway.api("regional_officer", HOME).get(
        "/api/v1/hub/initiatives", params={"status": "resolved", "kind": "manual"}).json()
    assert [i["id"] for i in listing["items"]] == [initiative["id"]]
    assert gateway.api("regional_officer", ELSEWHERE).get(url).status_code == 403
    assert gateway.api("ministry_analyst").patch(
        url, json={"status": "open", "comment": "x"}).status_code == 403
    assert coordinator.get("/api/v1/hub/initiatives/no-such-id").status_code == 404
    assert coordinator.post("/api/v1/hub/initiatives",
                            json={**body, "region_code": "KZ-00"}).status_code == 400


def test_automatic_initiatives_from_events_open_once_and_resolve(gateway):
    alert = envelope("autonomy_below_threshold", autonomy_payload(ELSEWHERE, 2026, "0.1500"))
    due = envelope("rotation_due", rotation_due_payload("s-7", home_region=ELSEWHERE))
    gateway.publish(alert, alert, due, due)
    gateway.wait_handled()
    coordinator = gateway.api("office_coordinator")
    listing = coordinator.get("/api/v1/hub/initiatives", params={"region": ELSEWHERE}).json()
    assert sorted(i["kind"] for i in listing["items"]) == ["autonomy_below_threshold",
                                                           "rotation_due"]
    autonomy = next(i for i in listing["items"] if i["kind"] == "autonomy_below_threshold")
    assert autonomy["event_ids"] == [alert["event_id"]]
    assert autonomy["responsible_body"].startswith("Akimat of Abai region")
    gateway.publish(envelope("rotation_started", rotation_payload(
        "rotation_started", "r-7", "s-7", from_region=ELSEWHERE, home_region=ELSEWHERE)))
    gateway.wait_handled()
    rotation = coordinator.get("/api/v1/hub/initiatives",
                               params={"kind": "rotation_due"}).json()["items"][0]
    assert rotation["status"] == "resolved" and rotation["history"][-1]["by"] == "system:hub"


def test_deadline_checks_by_http_and_rpc_with_an_injected_day(gateway):
    pid = str(uuid.uuid4())
    gateway.publish(envelope(*project_event("project_registered", project_snapshot(
        pid, HOME, stage_entered_at=datetime(2025, 1, 1, tzinfo=timezone.utc)))))
    gateway.wait_handled()
    admin = gateway.api("admin")
    result = admin.post("/api/v1/hub/checks", json={"today": "2025-12-01"})
    assert result.status_code == 200, result.text
    assert result.json()["stalled_projects"] == 1 and len(result.json()["opened"]) == 1
    assert result.json()["overdue_reports"] == 0  # 2025's deadline is 2026-04-01
    replay = gateway.rpc("hub_run_checks", "2026-04-02")
    assert replay["stalled_projects"] == 1 and replay["overdue_reports"] == len(REGION_CODES)
    assert len(replay["opened"]) == len(REGION_CODES)  # the stalled project was opened already
    kinds = gateway.api("ministry_analyst").get(
        "/api/v1/hub/initiatives", params={"limit": 200}).json()
    assert kinds["total"] == 1 + len(REGION_CODES)
    coordinator = gateway.api("office_coordinator")
    assert coordinator.post("/api/v1/hub/checks",
                            json={"today": "2030-01-01"}).status_code == 403
    today_run = coordinator.post("/api/v1/hub/checks")
    # the platform's day is the civil one (Kazakhstan time): from 19:00 UTC it is UTC's tomorrow
    assert today_run.status_code == 200 and today_run.json()["today"] == civil_today().isoformat()
    assert gateway.api("regional_officer", HOME).post("/api/v1/hub/checks").status_code == 403


def test_the_timer_runs_the_checks_by_itself(container_factory, nameko_config, monkeypatch):
    ticking = start_gateway(container_factory, nameko_config, monkeypatch,
                            HUB_CHECK_INTERVAL_SECONDS="0.3", HUB_STALL_DAYS="30")
    pid = str(uuid.uuid4())
    ticking.publish(envelope(*project_event("project_registered", project_snapshot(
        pid, HOME, stage_entered_at=datetime.now(timezone.utc) - timedelta(days=31)))))
    analyst = ticking.api("ministry_analyst")

    def stalled():
        return analyst.get("/api/v1/hub/initiatives",
                           params={"kind": "project_stalled"}).json()["items"]

    [opened] = wait_until(stalled, timeout=20, message="the timer opened the stalled initiative")
    assert opened["subject"]["project_id"] == pid and opened["subject"]["days_in_stage"] == 31
    assert opened["opened_by"] == "system:hub"
    # several ticks later there is still one (and one overdue-report initiative per region)
    time.sleep(1.5)
    assert len(stalled()) == 1
    overdue = analyst.get("/api/v1/hub/initiatives", params={
        "kind": "annual_report_overdue", "region": HOME}).json()["items"]
    passed = [y for y in range(2025, date.today().year) if date(y + 1, 4, 1) < date.today()]
    assert sorted(i["subject"]["reporting_year"] for i in overdue) == passed


def test_srs_values_recorded_and_shown_beside_the_targets(gateway):
    coordinator = gateway.api("office_coordinator", subject="coord-2")
    body = {"cities_pct": "92.1", "rural_pct": "64.0", "source": "Bureau of National Statistics",
            "as_of": "2025-12-31"}
    put = coordinator.put("/api/v1/hub/regions/KZ-75/srs", json=body)
    assert put.status_code == 200, put.text
    assert put.json()["recorded_by"] == "coord-2" and put.json()["cities_pct"] == "92.1"
    card = gateway.api("ministry_analyst").get("/api/v1/hub/scorecards/KZ-75").json()
    targets = {t["indicator"]: t for t in card["srs"]["targets_2030"]}
    assert (targets["cities_pct"]["current_pct"], targets["cities_pct"]["target_pct"],
            targets["cities_pct"]["gap_pct"]) == ("92.1", "96", "3.9")
    assert targets["rural_pct"]["met"] is False
    assert targets["rural_population_pct"]["current_pct"] is None
    assert card["srs"]["recorded"]["source"] == "Bureau of National Statistics"
    history = coordinator.get("/api/v1/hub/regions/KZ-75/srs").json()["history"]
    assert len(history) == 1
    future = (date.today() + timedelta(days=5)).isoformat()
    bad = coordinator.put("/api/v1/hub/regions/KZ-75/srs", json={**body, "as_of": future})
    assert bad.status_code == 400 and "as_of" in bad.json()["details"]
    assert coordinator.put("/api/v1/hub/regions/KZ-99/srs", json=body).status_code == 404
    assert gateway.api("regional_officer", "KZ-75").put(
        "/api/v1/hub/regions/KZ-75/srs", json=body).status_code == 403
    assert coordinator.get("/api/v1/hub/regions/KZ-71/srs").status_code == 404


def test_reporting_calendar(gateway):
    gateway.publish(
        envelope("annual_report_generated",
                 report_payload(ELSEWHERE, 2025, datetime(2026, 3, 20, tzinfo=timezone.utc))),
        envelope("annual_report_generated",
                 report_payload(HOME, 2025, datetime(2026, 4, 9, tzinfo=timezone.utc))))
    gateway.wait_handled()
    analyst = gateway.api("ministry_analyst")
    calendar = analyst.get("/api/v1/hub/reporting-calendar", params={"year": 2025}).json()
    assert calendar["due_date"] == "2026-04-01"
    statuses = {item["region_code"]: item["status"] for item in calendar["items"]}
    assert len(statuses) == 20
    # generated by budgets is shown, but only a submitted report settles the deadline
    assert set(statuses.values()) == {"overdue"}  # today is past 1 April 2026
    generated = {i["region_code"]: i["first_generated_at"] for i in calendar["items"]}
    assert generated[ELSEWHERE].startswith("2026-03-20") and generated["KZ-71"] is None
    officer = gateway.api("regional_officer", HOME)
    assert officer.post(f"/api/v1/hub/concept-reports/{HOME}/2025/draft").status_code == 200
    assert officer.post(f"/api/v1/hub/concept-reports/{HOME}/2025/submit").status_code == 200
    calendar = analyst.get("/api/v1/hub/reporting-calendar", params={"year": 2025}).json()
    assert calendar["by_status"] == {"submitted_late": 1, "overdue": 19}
    [mine] = [i for i in calendar["items"] if i["region_code"] == HOME]
    assert mine["submitted_by"] == f"regional_officer-{HOME}"
    future = analyst.get("/api/v1/hub/reporting-calendar", params={"year": 2029}).json()
    assert {i["status"] for i in future["items"]} == {"pending"}
    own = gateway.api("regional_officer", HOME).get("/api/v1/hub/reporting-calendar",
                                                    params={"year": 2025}).json()
    assert [i["region_code"] for i in own["items"]] == [HOME]
    default = analyst.get("/api/v1/hub/reporting-calendar").json()
    assert default["reporting_year"] == datetime.now(timezone.utc).year - 1


def test_scorecard_listing_is_scoped_to_the_caller(gateway):
    analyst = gateway.api("ministry_analyst").get("/api/v1/hub/scorecards").json()
    assert [c["region_code"] for c in analyst["items"]] == list(REGION_CODES)
    assert analyst["rollup"]["scope"] == "national"
    officer = gateway.api("regional_officer", HOME).get("/api/v1/hub/scorecards").json()
    assert [c["region_code"] for c in officer["items"]] == [HOME]
    assert officer["rollup"]["scope"] == "regions" and officer["rollup"]["region_codes"] == [HOME]
    assert gateway.api("regional_officer", HOME).get(
        f"/api/v1/hub/scorecards/{ELSEWHERE}").status_code == 403
    assert gateway.api("ministry_analyst").get("/api/v1/hub/scorecards/KZ-00").status_code == 404


def test_openapi_and_docs_are_public(gateway):
    anonymous = gateway.raw()
    document = anonymous.get("/openapi.json")
    assert document.status_code == 200
    assert "/api/v1/hub/scorecards/{region}" in document.json()["paths"]
    page = anonymous.get("/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "hub_change_initiative" in page.text
    assert anonymous.get("/api/v1/hub/scorecards").status_code == 401
