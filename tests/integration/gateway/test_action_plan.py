"""The Concept Action Plan tracker inside the running gateway: measures and indicators over HTTP
with region scope, the checks opening initiatives once per cause, completion resolving them, and
the events of each change in the hub's journal."""
import pytest

from tests.support import wait_until
from tests.support.gateway_harness import gateway  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration

HOME, ELSEWHERE = "KZ-35", "KZ-10"


def measure(measure_id, region=HOME, deadline="2025-03-31", level="local"):
    return {"measure_id": measure_id, "title": f"Measure {measure_id}",
            "direction": "economic_potential", "level": level,
            "responsible_body": "Akimat of Karaganda region" if region else "Ministry",
            "region_code": region, "deadline": deadline, "completion_form": "akimat_resolution",
            "reference": "protocol 1"}


def test_measures_checks_and_evidence(gateway):
    coordinator = gateway.api("office_coordinator")
    officer = gateway.api("regional_officer", HOME)
    created = officer.post("/api/v1/hub/action-plan/measures", json=measure("L-1"))
    assert created.status_code == 201, created.text
    assert created.json()["source"]["by"] == f"regional_officer-{HOME}"
    assert created.json()["source"]["reference"] == "protocol 1"
    # a regional officer writes only its own region, never a central body's measure
    assert officer.post("/api/v1/hub/action-plan/measures",
                        json=measure("L-2", region=ELSEWHERE)).status_code == 403
    central = measure("C-1", region=None, level="central")
    assert officer.post("/api/v1/hub/action-plan/measures", json=central).status_code == 403
    assert coordinator.post("/api/v1/hub/action-plan/measures", json=central).status_code == 201
    bad = coordinator.post("/api/v1/hub/action-plan/measures", json={**measure("X"),
                                                                     "deadline": "soon"})
    assert bad.status_code == 400 and "deadline" in bad.json()["details"]
    assert coordinator.post("/api/v1/hub/action-plan/measures",
                            json=measure("L-1")).status_code == 409

    listed = gateway.api("regional_officer", ELSEWHERE).get(
        "/api/v1/hub/action-plan/measures").json()
    assert [m["measure_id"] for m in listed["items"]] == ["C-1"]  # central ones only
    mine = officer.get("/api/v1/hub/action-plan/measures").json()["items"]
    assert {m["measure_id"]: m["overdue"] for m in mine} == {"L-1": True, "C-1": True}

    first = coordinator.post("/api/v1/hub/action-plan/checks").json()
    assert first["overdue_measures"] == 2 and len(first["opened"]) == 2
    assert coordinator.post("/api/v1/hub/action-plan/checks").json()["opened"] == []
    opened = coordinator.get("/api/v1/hub/initiatives", params={
        "kind": "action_plan_measure_overdue"}).json()["items"]
    assert {i["region_code"] for i in opened} == {HOME, "national"}

    no_evidence = officer.post("/api/v1/hub/action-plan/measures/L-1/status",
                               json={"status": "done", "comment": "adopted"})
    assert no_evidence.status_code == 400 and "evidence" in no_evidence.json()["details"]
    done = officer.post("/api/v1/hub/action-plan/measures/L-1/status", json={
        "status": "done", "comment": "adopted",
        "evidence": [{"reference": "akimat resolution No. 77"}]})
    assert done.status_code == 200, done.text
    assert done.json()["evidence"][0]["added_by"] == f"regional_officer-{HOME}"
    resolved = coordinator.get("/api/v1/hub/initiatives", params={
        "kind": "action_plan_measure_overdue", "status": "resolved"}).json()["items"]
    assert [i["subject"]["measure_id"] for i in resolved] == ["L-1"]

    def journal_types():
        items = coordinator.get("/api/v1/hub/journal", params={"source": "gateway",
                                                              "limit": 200}).json()["items"]
        return sorted(i["event_type"] for i in items)
    wait_until(lambda: journal_types().count("action_plan_measure_recorded") == 2,
               timeout=20, message="measure events in the journal")
    wait_until(lambda: "action_plan_measure_status_changed" in journal_types(), timeout=20,
               message="status event in the journal")


def test_indicators_are_judged_and_off_track_opens_an_initiative(gateway):
    coordinator = gateway.api("office_coordinator")
    body = {"indicator_id": "srs", "name": "SRS provision", "unit": "%",
            "direction": "increase", "region_code": HOME, "baseline_year": 2024,
            "baseline": "60", "targets": {"2026": "70"}, "reference": "Concept annex"}
    created = coordinator.post("/api/v1/hub/action-plan/indicators", json=body)
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert key == f"srs|{HOME}"
    url = f"/api/v1/hub/action-plan/indicators/{key}/actuals/2025"
    officer = gateway.api("regional_officer", HOME)
    assert gateway.api("regional_officer", ELSEWHERE).put(
        url, json={"value": "61", "reference": "x"}).status_code == 403
    judged = officer.put(url, json={"value": "61", "reference": "statistics bulletin"})
    assert judged.status_code == 200, judged.text
    [year] = judged.json()["years"]
    assert (year["expected"], year["off_track"]) == ("65.0000", True)
    assert year["source"]["by"] == f"regional_officer-{HOME}"
    assert officer.put(url.replace("2025", "2099"),
                       json={"value": "1", "reference": "x"}).status_code == 400
    checks = coordinator.post("/api/v1/hub/action-plan/checks").json()
    assert checks["off_track_indicators"] == 1 and len(checks["opened"]) == 1
    corrected = officer.put(url, json={"value": "66", "reference": "corrected bulletin"})
    assert corrected.json()["years"][0]["off_track"] is False
    resolved = coordinator.get("/api/v1/hub/initiatives", params={
        "kind": "action_plan_indicator_off_track", "status": "resolved"}).json()
    assert resolved["total"] == 1


def test_demo_seed_and_assumptions(gateway):
    coordinator = gateway.api("office_coordinator")
    seeded = coordinator.post("/api/v1/hub/action-plan/demo-seed").json()
    assert len(seeded["added"]) == 5
    assert coordinator.post("/api/v1/hub/action-plan/demo-seed").json()["added"] == []
    items = coordinator.get("/api/v1/hub/action-plan/measures").json()["items"]
    assert all(m["demo"] and m["source"]["file_name"] == "action_plan_demo.json" for m in items)
    keys = {a["key"] for a in coordinator.get("/api/v1/hub/assumptions").json()["items"]}
    assert {"dependency_trajectory", "stall_progress_exemption", "action_plan_due_days"} <= keys
